# zdtm bigmem with 8 MiB, for KVM on machines whose /dev/kvm is a slow software backend (pvm).
run zdtm bigmem 8
wait $! ready 600000
checkpoint $! m.img --leave-running
checkpoint $! m.img
restore m.img
check $!
wait $! passed 600000
ps
halt
