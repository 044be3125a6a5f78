# checkpoint tier, reboot test, second boot (a fresh VM): restore everything and check it.
ls
restore counter.img
restore counter.img
restore blocked.img
check $!
wait $! passed 60000
restore threads.img
sleep 300
check $!
wait $! passed 60000
restore transfer.img
sleep 300
check $!
wait $! passed 60000
sleep 500
ps
halt
