// Host fake of <arch/percpu.hpp>: the PerCpu layout is pure data used by the entry stubs, so the
// host uses the x86_64 definition itself. this_cpu() is declared there but not defined on the host.
#pragma once

#include "../../../x86_64/include/arch/percpu.hpp"
