# The events of a captured body, one per line (from a checkout of chatsse).
chatsse replay chatsse/data/demo.sse | head -n 5
echo ...
chatsse replay chatsse/data/demo.sse | tail -n 4
