# checkpoint tier, reboot test, first boot: images of counter and zdtm programs on the disk.
run counter 256
wait $! ready
sleep 1500
checkpoint $! counter.img --leave-running
sleep 500
checkpoint $! counter.img
run zdtm blocked
wait $! ready
checkpoint $! blocked.img
run zdtm threads 3
wait $! ready
sleep 300
checkpoint $! threads.img
run zdtm transfer 4
wait $! ready
sleep 300
checkpoint $! transfer.img
ls
halt
