# make bench: checkpoint and restore of a 1 MiB process on the FAT32 disk (six and five times).
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
halt
