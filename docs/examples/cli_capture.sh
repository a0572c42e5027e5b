# Record a real answer: -N writes the body as it arrives, exactly as the server sent it.
curl -sSN "$OPENAI_BASE_URL/chat/completions" \
    -H "Authorization: Bearer $OPENAI_API_KEY" \
    -H "Content-Type: application/json" \
    -d '{"model": "deepseek-reasoner", "stream": true, "stream_options": {"include_usage": true},
         "messages": [{"role": "user", "content": "Umbrella in Paris this afternoon?"}]}' \
    > umbrella.sse
# Check what it holds; then replay it in tests: ReplayServer(Path("umbrella.sse")).
chatsse replay umbrella.sse | tail -n 3
