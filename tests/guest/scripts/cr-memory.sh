# Checkpoint and restore through the memory store: leave-running, kill + restore, twice.
run counter 64
wait $! ready
sleep 700
checkpoint $! c1.img --leave-running
sleep 300
checkpoint $! c2.img
ps
restore c2.img
sleep 700
checkpoint $! c3.img
restore c3.img
restore c3.img
sleep 700
ps
verify c3.img
ls
halt
