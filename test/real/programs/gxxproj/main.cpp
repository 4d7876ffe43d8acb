/* SPDX-License-Identifier: MIT */
// main.cpp — runs each part and prints its result.
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "proj.hpp"

int main(int argc, char **argv) {
  int scale = argc > 1 ? std::atoi(argv[1]) : 1;
  std::cout << "matrix " << run_matrix(60 * scale) << "\n";
  std::cout << "graph " << run_graph(20000 * scale, 80000 * scale) << "\n";
  std::cout << "text " << run_text(50000 * scale) << "\n";
  std::cout << "shapes " << run_shapes(100000 * scale) << "\n";
  return 0;
}
