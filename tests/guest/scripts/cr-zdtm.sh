# zdtm through checkpointd: each test is checkpointed leaving it running, then ended and restored
# twice, then asked to check itself.
run zdtm threads 4
wait $! ready
checkpoint $! t.img --leave-running
sleep 200
checkpoint $! t.img
restore t.img
sleep 200
checkpoint $! t.img
restore t.img
check $!
wait $! passed 60000
run zdtm blocked
wait $! ready
checkpoint $! b.img --leave-running
checkpoint $! b.img
restore b.img
checkpoint $! b.img
restore b.img
check $!
wait $! passed 60000
run zdtm transfer 4
wait $! ready
sleep 300
checkpoint $! x.img
restore x.img
sleep 300
checkpoint $! x.img
restore x.img
check $!
wait $! passed 60000
run zdtm stream 3
wait $! ready
checkpoint $! s.img --leave-running
sleep 200
checkpoint $! s.img
restore s.img
sleep 300
checkpoint $! s.img
restore s.img
check $!
wait $! passed 60000
ps
halt
