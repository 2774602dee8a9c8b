// Anchor translation unit for the shared precompiled header.
#include "nmt/pch.h"
