# bochs tier, checkpointd on Bochs's ATA disk: an image written through blkd's ATA driver.
run counter 64
wait $! ready
checkpoint $! bochs.img
ls
halt
