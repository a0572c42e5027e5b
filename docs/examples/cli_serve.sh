# Serve recorded bodies on 127.0.0.1 (in the background here; or in another terminal).
PORT=${PORT:-8765}
chatsse serve chatsse/data/demo.sse --port "$PORT" --chunk-size 256 --delay 0.002 &
until curl -s -o /dev/null "http://127.0.0.1:$PORT/"; do sleep 0.1; done  # until it is up
# Any client can ask it: it answers every request with the next body, whatever was asked.
curl -sN "http://127.0.0.1:$PORT/v1/chat/completions" -d '{"model": "any"}' | head -n 3
chatsse chat --base-url "http://127.0.0.1:$PORT/v1" --model any "Hi" | grep -e "->"
kill %1  # stop the server
