/* SPDX-License-Identifier: MIT */
// shapes.cpp — virtual dispatch, shared_ptr/unique_ptr, std::variant,
// std::function, exceptions.
#include <cmath>
#include <functional>
#include <list>
#include <sstream>
#include <stdexcept>
#include <variant>

#include "proj.hpp"

namespace {
struct Shape {
  virtual ~Shape() = default;
  virtual double area() const = 0;
  virtual std::string name() const = 0;
};
struct Circle : Shape {
  double r;
  explicit Circle(double x) : r(x) {}
  double area() const override { return 3.0 * r * r; }
  std::string name() const override { return "circle"; }
};
struct Rect : Shape {
  double w, h;
  Rect(double a, double b) : w(a), h(b) {}
  double area() const override { return w * h; }
  std::string name() const override { return "rect" + std::to_string(int(w)); }
};
}  // namespace

std::string run_shapes(int count) {
  std::vector<std::shared_ptr<Shape>> v;
  std::list<std::unique_ptr<Shape>> owned;
  std::vector<std::variant<int, std::string, double>> vars;
  std::vector<std::function<double(double)>> fns;
  double total = 0;
  int errors = 0;
  for (int i = 0; i < count; i++) {
    if (i % 3) v.push_back(std::make_shared<Circle>(i % 10));
    else v.push_back(std::make_shared<Rect>(i % 7, i % 5));
    if (i % 10 == 0) owned.push_back(std::make_unique<Rect>(1, i % 3));
    if (i % 4 == 0) vars.emplace_back(std::string(i % 50, 'v'));
    else if (i % 4 == 1) vars.emplace_back(i);
    else vars.emplace_back(i * 0.5);
    if (i % 1000 == 0) fns.push_back([i](double x) { return x + i; });
    try {
      if (i % 97 == 0) throw std::runtime_error("bad shape " + std::to_string(i));
    } catch (const std::exception &e) {
      errors += e.what()[0] == 'b';
    }
  }
  for (auto &s : v) total += s->area();
  size_t names = 0;
  for (auto &s : owned) names += s->name().size();
  size_t strs = 0;
  for (auto &x : vars)
    if (auto p = std::get_if<std::string>(&x)) strs += p->size();
  double f = 0;
  for (auto &fn : fns) f = fn(f);
  v.erase(v.begin(), v.begin() + v.size() / 2);
  std::ostringstream o;
  o << int64_t(total) << " " << names << " " << strs << " " << int64_t(f) << " " << errors << " " << v.size();
  return o.str();
}
