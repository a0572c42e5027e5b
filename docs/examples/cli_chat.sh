# OPENAI_BASE_URL, OPENAI_MODEL and OPENAI_API_KEY are set in the environment.
chatsse chat "Should I take an umbrella in Paris this afternoon?"
chatsse chat --system "Answer in one sentence." --max-tokens 300 --no-usage "Umbrella?" | head -n 1
echo "Umbrella in Paris?" | chatsse chat --json - | head -n 2
