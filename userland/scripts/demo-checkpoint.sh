# make demo, first boot: start counter, let it count, checkpoint it to the disk, power off.
echo [demo] starting the counter program (1 MiB of memory it keeps changing)
run counter 1024
wait $! ready
sleep 2500
echo [demo] checkpointing it to counter.img on the FAT32 disk; the process ends
checkpoint $! counter.img
ls
echo [demo] powering the machine off
halt
