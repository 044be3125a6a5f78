# zdtm bigmem: 64 MiB of patterned memory checkpointed (leave-running, then ended) and restored.
run zdtm bigmem 64
wait $! ready 600000
checkpoint $! m.img --leave-running
checkpoint $! m.img
restore m.img
check $!
wait $! passed 600000
ps
halt
