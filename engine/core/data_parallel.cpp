// data_parallel.cpp — one data-parallel training step and the running-statistics average.
#include "engine/core/data_parallel.h"

#include <vector>

namespace gener::core {

float DataParallel::forward_backward(Network& net, const int32_t* pairs, const int32_t* labels, int B,
                                     uint64_t step) {
  const parallel::Range mine = share(B);
  const float loss = net.forward_backward(pairs, labels, static_cast<int>(mine.size()), step,
                                          BatchShare{mine.begin, B});
  if (comm_.size() == 1) return loss;
  const size_t n = net.graph().n_params;
  if (!net.gradients_on_device())
    comm_.allreduce_sum(net.gradient_buffer(), n, parallel::Memory::Host);
  else if (device_comm_)
    device_comm_->allreduce_sum(net.gradient_buffer(), n, parallel::Memory::Device);
  else
    comm_.allreduce_sum(net.gradient_buffer(), n, parallel::Memory::Device);  // staged through the host
  return loss;
}

void DataParallel::average_state(Network& net) {
  if (comm_.size() == 1) return;
  std::vector<float> s = net.get_state();
  comm_.allreduce_sum(s.data(), s.size(), parallel::Memory::Host);
  const float inv = 1.f / static_cast<float>(comm_.size());
  for (float& v : s) v *= inv;
  net.set_state(s);
}

}  // namespace gener::core
