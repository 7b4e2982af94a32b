// digest.cpp — SHA-256 through OpenSSL's EVP interface.
#include "engine/scoring/digest.h"

#include <openssl/evp.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <vector>

#include "kernels/check.h"

namespace gener::scoring {
namespace {

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    GENER_CHECK(ctx_ && EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) == 1, "SHA-256: OpenSSL init failed");
  }
  void add(const void* p, size_t n) {
    GENER_CHECK(EVP_DigestUpdate(ctx_.get(), p, n) == 1, "SHA-256: OpenSSL update failed");
  }
  void add_u64(uint64_t v) {
    unsigned char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
    add(b, 8);
  }
  std::string hex() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    GENER_CHECK(EVP_DigestFinal_ex(ctx_.get(), md, &len) == 1, "SHA-256: OpenSSL final failed");
    std::string s;
    char h[3];
    for (unsigned int i = 0; i < len; ++i) {
      std::snprintf(h, sizeof h, "%02x", md[i]);
      s += h;
    }
    return s;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx_;
};

}  // namespace

std::string sha256_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  GENER_CHECK(in, path << ": cannot open");
  Sha256 h;
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (in.gcount() > 0) h.add(buf.data(), static_cast<size_t>(in.gcount()));
  }
  GENER_CHECK(in.eof(), path << ": read error");
  return h.hex();
}

std::string sha256_bytes(const void* data, size_t n) {
  Sha256 h;
  h.add(data, n);
  return h.hex();
}

std::string expression_digest(const data::Expression& e) {
  Sha256 h;
  h.add("gener-expression-1", 18);
  h.add_u64(static_cast<uint64_t>(e.n_genes()));
  h.add_u64(static_cast<uint64_t>(e.L));
  for (const std::string& g : e.genes) h.add(g.c_str(), g.size() + 1);  // with the terminating NUL
  h.add(e.values.data(), e.values.size() * sizeof(float));  // little-endian IEEE floats on every supported host
  return h.hex();
}

std::string pairs_digest(const int32_t* ab, size_t n) {
  Sha256 h;
  h.add("gener-pairs-1", 13);
  h.add_u64(n);
  h.add(ab, 2 * n * sizeof(int32_t));
  return h.hex();
}

}  // namespace gener::scoring
