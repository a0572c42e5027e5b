# An error inside the stream: what arrived is printed, then the error; exit code 1.
printf '%s\n\n' 'data: {"choices": [{"index": 0, "delta": {"content": "It will"}}]}' \
    'data: {"error": {"message": "Overloaded", "code": 529}}' | chatsse replay -
echo "exit code $?"
# No model given: a usage error, exit code 2.
env -u OPENAI_MODEL chatsse chat "Hello?"
echo "exit code $?"
# Nothing listens on the port: exit code 4.
chatsse chat --base-url http://127.0.0.1:9/v1 --model any "Hello?"
echo "exit code $?"
