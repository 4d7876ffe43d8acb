/* SPDX-License-Identifier: MIT */
// text.cpp — strings, regex, string streams, sorting and maps of strings.
#include <algorithm>
#include <regex>
#include <sstream>
#include <unordered_map>

#include "proj.hpp"

std::string run_text(int words) {
  std::string text;
  uint32_t s = 2463534242u;
  for (int i = 0; i < words; i++) {
    s ^= s << 13; s ^= s >> 17; s ^= s << 5;
    int len = 2 + int(s % 9);
    for (int k = 0; k < len; k++) text += char('a' + (s >> (k * 3 % 24)) % 26);
    text += (i % 17 == 16) ? ". " : " ";
  }
  std::unordered_map<std::string, int> freq;
  std::istringstream in(text);
  std::string w;
  while (in >> w) freq[w]++;
  std::vector<std::pair<std::string, int>> v(freq.begin(), freq.end());
  std::sort(v.begin(), v.end(), [](auto &a, auto &b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
  std::regex re("\\b([a-e][a-z]{3})\\b");
  size_t matches = std::distance(std::sregex_iterator(text.begin(), text.begin() + std::min<size_t>(text.size(), 200000), re),
                                 std::sregex_iterator());
  std::string up = std::regex_replace(text.substr(0, 2000), std::regex("[aeiou]+"), "<$&>");
  std::ostringstream out;
  out << v.size() << " " << v[0].first << ":" << v[0].second << " " << matches << " " << up.size();
  return out.str();
}
