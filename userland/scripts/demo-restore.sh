# make demo, second boot: restore counter from the disk and let it go on.
echo [demo] a fresh machine: nothing is running
ps
ls
verify counter.img
echo [demo] restoring counter from counter.img
restore counter.img
sleep 2500
ps
echo [demo] powering the machine off
halt
