// aligned_vector.h — std::vector on 64-byte aligned storage, for buffers the CPU kernels read and write whole
// 512-bit vectors of (a vector that starts mid cache line splits every such load and store in two).
#pragma once
#include <cstddef>
#include <new>
#include <vector>

namespace gener::kernels {

template <class T, std::size_t Align = 64>
struct AlignedAllocator {
  using value_type = T;
  template <class U>
  struct rebind {
    using other = AlignedAllocator<U, Align>;
  };
  AlignedAllocator() = default;
  template <class U>
  AlignedAllocator(const AlignedAllocator<U, Align>&) {}  // NOLINT(google-explicit-constructor): allocator rebinding
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(Align))); }
  void deallocate(T* p, std::size_t) { ::operator delete(p, std::align_val_t(Align)); }
  template <class U>
  bool operator==(const AlignedAllocator<U, Align>&) const { return true; }
  template <class U>
  bool operator!=(const AlignedAllocator<U, Align>&) const { return false; }
};

template <class T>
using AlignedVector = std::vector<T, AlignedAllocator<T>>;

}  // namespace gener::kernels
