# make bench: checkpoint and restore of a 256 MiB process on the FAT32 disk.
run zdtm bigmem 256
wait $! ready 600000
checkpoint $! big.img --leave-running
checkpoint $! big.img
restore big.img
halt
