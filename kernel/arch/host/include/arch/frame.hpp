// Host fake of <arch/frame.hpp>: the UserFrame layout is pure data and ABI, so the host uses the
// x86_64 definition itself (and the uapi golden test pins its size and offsets).
#pragma once

#include "../../../x86_64/include/arch/frame.hpp"
