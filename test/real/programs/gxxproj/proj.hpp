// proj.hpp — declarations shared by the small multi-file C++ program that
// gxx.sh compiles with brisk preloaded into g++ (cc1plus, as, ld).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

template <typename T>
class Matrix {
 public:
  Matrix(size_t r, size_t c) : rows_(r), cols_(c), d_(r * c) {}
  T &at(size_t r, size_t c) { return d_[r * cols_ + c]; }
  const T &at(size_t r, size_t c) const { return d_[r * cols_ + c]; }
  size_t rows() const { return rows_; }
  size_t cols() const { return cols_; }
  Matrix operator*(const Matrix &o) const {
    Matrix m(rows_, o.cols_);
    for (size_t i = 0; i < rows_; i++)
      for (size_t k = 0; k < cols_; k++)
        for (size_t j = 0; j < o.cols_; j++) m.at(i, j) += at(i, k) * o.at(k, j);
    return m;
  }
  T trace() const {
    T t{};
    for (size_t i = 0; i < rows_ && i < cols_; i++) t += at(i, i);
    return t;
  }

 private:
  size_t rows_, cols_;
  std::vector<T> d_;
};

uint64_t run_matrix(int n);
uint64_t run_graph(int nodes, int edges);
std::string run_text(int words);
std::string run_shapes(int count);
