# checkpoint tier, power-cut test: new images replace counter.img until the harness cuts the power.
restore counter.img
sleep 300
echo checkpointing again
checkpoint $! counter.img --leave-running
checkpoint $! counter.img --leave-running
checkpoint $! counter.img --leave-running
checkpoint $! counter.img --leave-running
checkpoint $! counter.img --leave-running
checkpoint $! counter.img --leave-running
checkpoint $! counter.img --leave-running
checkpoint $! counter.img --leave-running
halt
