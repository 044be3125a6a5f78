# make bench: checkpoint and restore of a 1 MiB and a 64 MiB process (KVM: the pvm backend is too slow for 256 MiB) on the FAT32 disk.
run zdtm bigmem 1
wait $! ready
checkpoint $! small.img --leave-running
checkpoint $! small.img --leave-running
checkpoint $! small.img --leave-running
checkpoint $! small.img --leave-running
checkpoint $! small.img --leave-running
checkpoint $! small.img
restore small.img
restore small.img
restore small.img
restore small.img
restore small.img
run zdtm bigmem 64
wait $! ready 600000
checkpoint $! big.img --leave-running
checkpoint $! big.img
restore big.img
halt
