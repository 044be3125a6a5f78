# checkpoint tier, bad-images test, first boot: good images (one with references, to be edited).
run zdtm threads 2
wait $! ready
checkpoint $! good.img
run zdtm blocked
wait $! ready
checkpoint $! refs.img
halt
