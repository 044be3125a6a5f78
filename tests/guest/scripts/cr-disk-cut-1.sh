# checkpoint tier, power-cut test: the first image.
run counter 512
wait $! ready
sleep 500
checkpoint $! counter.img
halt
