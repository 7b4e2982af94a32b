// check.h — forwards to base/check.h, where gener's error type and macros live (every floor may include it).
#pragma once
#include "base/check.h"
