# checkpoint tier, bad-images test, first boot: one good image.
run zdtm threads 2
wait $! ready
checkpoint $! good.img
halt
