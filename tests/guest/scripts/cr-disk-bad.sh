# checkpoint tier, bad-images test, second boot: damaged images are refused, the rest keeps running.
run counter 64
wait $! ready
restore trunc.img
restore flipped.img
restore empty.img
restore text.img
restore version.img
restore forged.img
restore lowered.img
check $!
wait $! FAILED 60000
checkpoint 1 nope.img
ps
restore good.img
sleep 200
check $!
wait $! passed 60000
sleep 600
halt
