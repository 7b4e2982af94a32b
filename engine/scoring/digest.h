// digest.h — SHA-256 digests (hex) that tell whether shards and ranks work on the same model and data: a file's
// bytes (the model: `sha256sum model.safetensors` prints the same), an expression matrix, a pair list.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/data/expression.h"

namespace gener::scoring {

std::string sha256_file(const std::string& path);
std::string sha256_bytes(const void* data, size_t n);
// Genes (names, in row order) and values (G, L) as loaded and normalised.
std::string expression_digest(const data::Expression& e);
// Pairs ab (n, 2) of gene rows.
std::string pairs_digest(const int32_t* ab, size_t n);

}  // namespace gener::scoring
