/* SPDX-License-Identifier: MIT */
// matrix.cpp — template instantiations over several element types.
#include <complex>

#include "proj.hpp"

template <typename T>
static Matrix<T> make(size_t n, int seed) {
  Matrix<T> m(n, n);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) m.at(i, j) = static_cast<T>((i * 31 + j * 17 + seed) % 13);
  return m;
}

uint64_t run_matrix(int n) {
  auto a = make<uint64_t>(n, 1), b = make<uint64_t>(n, 2);
  auto c = a * b * a;
  auto d = make<double>(n, 3) * make<double>(n, 4);
  Matrix<std::complex<double>> z(4, 4);
  for (size_t i = 0; i < 4; i++) z.at(i, i) = std::complex<double>(double(i), 1.0);
  auto zz = z * z;
  return c.trace() + static_cast<uint64_t>(d.trace()) + static_cast<uint64_t>(zz.trace().real() + 100);
}
