// Precompiled header for libnmt and the CLI: torch dominates compile time.
#pragma once
#include <torch/torch.h>
#include <string>
#include <vector>
#include <map>
#include <memory>
#include <optional>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>
