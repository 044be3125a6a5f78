# checkpoint tier, power-cut test: after the cut, counter.img (old or new) restores and runs.
restore counter.img
sleep 700
halt
