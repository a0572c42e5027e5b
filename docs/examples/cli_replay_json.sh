# The same events as JSON lines; `-` reads the body from standard input.
chatsse replay --json - < chatsse/data/demo.sse | head -n 3
chatsse replay --json - < chatsse/data/demo.sse | tail -n 1
