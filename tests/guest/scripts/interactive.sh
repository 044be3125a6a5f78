# shell-interactive suite: the harness types the rest on the console after this marker.
echo @@AMBER-READY-FOR-INPUT
