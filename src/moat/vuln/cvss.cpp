#include <moat/vuln/cvss.hpp>

#include <moat/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

namespace moat::vuln::cvss {
namespace {

// ---------------------------------------------------------------------------
// Vector strings
// ---------------------------------------------------------------------------

// A metric that a CVSS version defines: its key, the values it accepts
// (separated by spaces) and whether every vector has to carry it.
struct MetricSpec {
  std::string_view key;
  std::string_view values;
  bool mandatory;
};

constexpr MetricSpec base_metric(std::string_view key, std::string_view values) {
  return {key, values, true};
}

constexpr MetricSpec optional_metric(std::string_view key, std::string_view values) {
  return {key, values, false};
}

// CVSS v2.0 guide, section 2: base, temporal and environmental metrics.
constexpr std::array k_v2_metrics{
    base_metric("AV", "L A N"),
    base_metric("AC", "H M L"),
    base_metric("Au", "M S N"),
    base_metric("C", "N P C"),
    base_metric("I", "N P C"),
    base_metric("A", "N P C"),
    optional_metric("E", "U POC F H ND"),
    optional_metric("RL", "OF TF W U ND"),
    optional_metric("RC", "UC UR C ND"),
    optional_metric("CDP", "N L LM MH H ND"),
    optional_metric("TD", "N L M H ND"),
    optional_metric("CR", "L M H ND"),
    optional_metric("IR", "L M H ND"),
    optional_metric("AR", "L M H ND"),
};

// CVSS v3.0 and v3.1 specifications, section 6 (the same set in both).
constexpr std::array k_v3_metrics{
    base_metric("AV", "N A L P"),
    base_metric("AC", "L H"),
    base_metric("PR", "N L H"),
    base_metric("UI", "N R"),
    base_metric("S", "U C"),
    base_metric("C", "H L N"),
    base_metric("I", "H L N"),
    base_metric("A", "H L N"),
    optional_metric("E", "X U P F H"),
    optional_metric("RL", "X O T W U"),
    optional_metric("RC", "X U R C"),
    optional_metric("CR", "X L M H"),
    optional_metric("IR", "X L M H"),
    optional_metric("AR", "X L M H"),
    optional_metric("MAV", "X N A L P"),
    optional_metric("MAC", "X L H"),
    optional_metric("MPR", "X N L H"),
    optional_metric("MUI", "X N R"),
    optional_metric("MS", "X U C"),
    optional_metric("MC", "X N L H"),
    optional_metric("MI", "X N L H"),
    optional_metric("MA", "X N L H"),
};

// CVSS v4.0 specification, section 7: base, threat, environmental and
// supplemental metrics.
constexpr std::array k_v4_metrics{
    base_metric("AV", "N A L P"),
    base_metric("AC", "L H"),
    base_metric("AT", "N P"),
    base_metric("PR", "N L H"),
    base_metric("UI", "N P A"),
    base_metric("VC", "H L N"),
    base_metric("VI", "H L N"),
    base_metric("VA", "H L N"),
    base_metric("SC", "H L N"),
    base_metric("SI", "H L N"),
    base_metric("SA", "H L N"),
    optional_metric("E", "X A P U"),
    optional_metric("CR", "X H M L"),
    optional_metric("IR", "X H M L"),
    optional_metric("AR", "X H M L"),
    optional_metric("MAV", "X N A L P"),
    optional_metric("MAC", "X L H"),
    optional_metric("MAT", "X N P"),
    optional_metric("MPR", "X N L H"),
    optional_metric("MUI", "X N P A"),
    optional_metric("MVC", "X H L N"),
    optional_metric("MVI", "X H L N"),
    optional_metric("MVA", "X H L N"),
    optional_metric("MSC", "X H L N"),
    optional_metric("MSI", "X S H L N"),
    optional_metric("MSA", "X S H L N"),
    optional_metric("S", "X N P"),
    optional_metric("AU", "X N Y"),
    optional_metric("R", "X A U I"),
    optional_metric("V", "X D C"),
    optional_metric("RE", "X L M H"),
    optional_metric("U", "X Clear Green Amber Red"),
};

// The metrics of one vector, checked against its version's table.
class Metrics {
public:
  explicit Metrics(std::span<const MetricSpec> specs) : m_specs(specs), m_values(specs.size()) {}

  // The value given for KEY, empty when the vector leaves it out.
  [[nodiscard]] std::string_view operator[](std::string_view key) const {
    for (std::size_t i = 0; i < m_specs.size(); ++i) {
      if (m_specs[i].key == key)
        return m_values[i];
    }
    return {};
  }

  // Base metric values are validated single letters; the scoring code
  // switches on them.
  [[nodiscard]] char letter(std::string_view key) const {
    const auto value = (*this)[key];
    return value.empty() ? '\0' : value.front();
  }

  std::vector<std::string_view>& values() { return m_values; }

private:
  std::span<const MetricSpec> m_specs;
  std::vector<std::string_view> m_values;
};

// Input echoed in an error message: bounded, and unable to drive a terminal.
std::string shown(std::string_view text) {
  constexpr std::size_t k_max_shown = 40;
  if (text.size() > k_max_shown)
    return util::terminal_safe(text.substr(0, k_max_shown)) + "...";
  return util::terminal_safe(text);
}

bool allows(const MetricSpec& spec, std::string_view value) {
  const auto allowed = util::split(spec.values, ' ');
  return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

std::expected<Metrics, std::string> parse_metrics(std::span<const std::string_view> components,
                                                  std::span<const MetricSpec> specs,
                                                  std::string_view version) {
  Metrics metrics(specs);
  for (std::size_t position = 0; position < components.size(); ++position) {
    const auto component = components[position];
    if (component.empty())
      return std::unexpected(fmt::format(
          "empty component at position {} of the cvss {} vector (doubled or trailing '/')",
          position + 1, version));
    const auto colon = component.find(':');
    if (colon == std::string_view::npos)
      return std::unexpected(fmt::format("component '{}' is not METRIC:VALUE", shown(component)));
    const auto key = component.substr(0, colon);
    const auto value = component.substr(colon + 1);
    const auto spec =
        std::find_if(specs.begin(), specs.end(), [&](const MetricSpec& s) { return s.key == key; });
    if (spec == specs.end())
      return std::unexpected(
          fmt::format("unknown metric '{}' in a cvss {} vector", shown(key), version));
    auto& slot = metrics.values()[static_cast<std::size_t>(spec - specs.begin())];
    if (!slot.empty())
      return std::unexpected(fmt::format("repeated metric {} in a cvss {} vector", key, version));
    if (value.empty())
      return std::unexpected(fmt::format("metric {} has no value", key));
    if (!allows(*spec, value))
      return std::unexpected(fmt::format("unknown value '{}' for metric {} in a cvss {} vector",
                                         shown(value), key, version));
    slot = value;
  }
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].mandatory && metrics.values()[i].empty())
      return std::unexpected(
          fmt::format("missing mandatory metric {} in a cvss {} vector", specs[i].key, version));
  }
  return metrics;
}

// ---------------------------------------------------------------------------
// CVSS v2.0 (guide section 3.2.1)
// ---------------------------------------------------------------------------

double v2_access_vector(char value) {
  switch (value) {
  case 'L':
    return 0.395;
  case 'A':
    return 0.646;
  default:
    return 1.0;
  }
}

double v2_access_complexity(char value) {
  switch (value) {
  case 'H':
    return 0.35;
  case 'M':
    return 0.61;
  default:
    return 0.71;
  }
}

double v2_authentication(char value) {
  switch (value) {
  case 'M':
    return 0.45;
  case 'S':
    return 0.56;
  default:
    return 0.704;
  }
}

double v2_impact(char value) {
  switch (value) {
  case 'P':
    return 0.275;
  case 'C':
    return 0.660;
  default:
    return 0.0;
  }
}

double v2_base(const Metrics& m) {
  const double impact =
      10.41 * (1.0 - (1.0 - v2_impact(m.letter("C"))) * (1.0 - v2_impact(m.letter("I"))) *
                         (1.0 - v2_impact(m.letter("A"))));
  if (impact == 0.0)
    return 0.0; // f(Impact) = 0; returning early also avoids a -0.0
  const double exploitability = 20.0 * v2_access_vector(m.letter("AV")) *
                                v2_access_complexity(m.letter("AC")) *
                                v2_authentication(m.letter("Au"));
  const double raw = ((0.6 * impact) + (0.4 * exploitability) - 1.5) * 1.176;
  return std::round(raw * 10.0) / 10.0;
}

std::string_view v2_rating(double base) {
  if (base < 4.0)
    return "low";
  if (base < 7.0)
    return "medium";
  return "high";
}

// ---------------------------------------------------------------------------
// CVSS v3.0 and v3.1 (specification section 7.1)
// ---------------------------------------------------------------------------

double v3_attack_vector(char value) {
  switch (value) {
  case 'N':
    return 0.85;
  case 'A':
    return 0.62;
  case 'L':
    return 0.55;
  default:
    return 0.2;
  }
}

double v3_attack_complexity(char value) {
  return value == 'L' ? 0.77 : 0.44;
}

// Privileges weigh more when the scope changes: an attacker who needs them
// reaches past the component that granted them.
double v3_privileges_required(char value, bool scope_changed) {
  switch (value) {
  case 'N':
    return 0.85;
  case 'L':
    return scope_changed ? 0.68 : 0.62;
  default:
    return scope_changed ? 0.5 : 0.27;
  }
}

double v3_user_interaction(char value) {
  return value == 'N' ? 0.85 : 0.62;
}

double v3_impact(char value) {
  switch (value) {
  case 'H':
    return 0.56;
  case 'L':
    return 0.22;
  default:
    return 0.0;
  }
}

// The operations run in the order of FIRST's reference calculators, so
// that the floating-point result (and with it the rounding) is the same.
double v3_base(const Metrics& m, bool v31) {
  const bool changed = m.letter("S") == 'C';
  const double iss = 1.0 - ((1.0 - v3_impact(m.letter("C"))) * (1.0 - v3_impact(m.letter("I"))) *
                            (1.0 - v3_impact(m.letter("A"))));
  const double impact =
      changed ? 7.52 * (iss - 0.029) - 3.25 * std::pow(iss - 0.02, 15.0) : 6.42 * iss;
  if (impact <= 0.0)
    return 0.0;
  const double exploitability =
      8.22 * v3_attack_vector(m.letter("AV")) * v3_attack_complexity(m.letter("AC")) *
      v3_privileges_required(m.letter("PR"), changed) * v3_user_interaction(m.letter("UI"));
  const double raw = changed ? std::min((exploitability + impact) * 1.08, 10.0)
                             : std::min(exploitability + impact, 10.0);
  // v3.0 defines Roundup as a plain ceiling, which floating-point noise can
  // push a tenth too high; v3.1 replaced it with the integer version.
  return v31 ? round_up_v31(raw) : std::ceil(raw * 10.0) / 10.0;
}

// ---------------------------------------------------------------------------
// CVSS v4.0 (specification section 8 and FIRST's reference calculator)
//
// A vector falls in a macrovector: six equivalence classes EQ1..EQ6, each
// 0 (most severe) to 2. Experts scored every macrovector (the table below).
// A vector's score is its macrovector's score, lowered by how far the vector
// sits from the most severe vectors of its macrovector, in proportion to
// the gap to the next lower macrovector of each EQ.
// ---------------------------------------------------------------------------

// The score of each macrovector in tenths, keyed by its EQ1..EQ6 digits
// (the specification's lookup table, cvss_lookup.js in the calculator).
struct MacroScore {
  std::string_view eqs;
  int tenths;
};

constexpr std::array<MacroScore, 270> k_macro_scores{{
    {"000000", 100}, {"000001", 99}, {"000010", 98}, {"000011", 95}, {"000020", 95}, {"000021", 92},
    {"000100", 100}, {"000101", 96}, {"000110", 93}, {"000111", 87}, {"000120", 91}, {"000121", 81},
    {"000200", 93},  {"000201", 90}, {"000210", 89}, {"000211", 80}, {"000220", 81}, {"000221", 68},
    {"001000", 98},  {"001001", 95}, {"001010", 95}, {"001011", 92}, {"001020", 90}, {"001021", 84},
    {"001100", 93},  {"001101", 92}, {"001110", 89}, {"001111", 81}, {"001120", 81}, {"001121", 65},
    {"001200", 88},  {"001201", 80}, {"001210", 78}, {"001211", 70}, {"001220", 69}, {"001221", 48},
    {"002001", 92},  {"002011", 82}, {"002021", 72}, {"002101", 79}, {"002111", 69}, {"002121", 50},
    {"002201", 69},  {"002211", 55}, {"002221", 27}, {"010000", 99}, {"010001", 97}, {"010010", 95},
    {"010011", 92},  {"010020", 92}, {"010021", 85}, {"010100", 95}, {"010101", 91}, {"010110", 90},
    {"010111", 83},  {"010120", 84}, {"010121", 71}, {"010200", 92}, {"010201", 81}, {"010210", 82},
    {"010211", 71},  {"010220", 72}, {"010221", 53}, {"011000", 95}, {"011001", 93}, {"011010", 92},
    {"011011", 85},  {"011020", 85}, {"011021", 73}, {"011100", 92}, {"011101", 82}, {"011110", 80},
    {"011111", 72},  {"011120", 70}, {"011121", 59}, {"011200", 84}, {"011201", 70}, {"011210", 71},
    {"011211", 52},  {"011220", 50}, {"011221", 30}, {"012001", 86}, {"012011", 75}, {"012021", 52},
    {"012101", 71},  {"012111", 52}, {"012121", 29}, {"012201", 63}, {"012211", 29}, {"012221", 17},
    {"100000", 98},  {"100001", 95}, {"100010", 94}, {"100011", 87}, {"100020", 91}, {"100021", 81},
    {"100100", 94},  {"100101", 89}, {"100110", 86}, {"100111", 74}, {"100120", 77}, {"100121", 64},
    {"100200", 87},  {"100201", 75}, {"100210", 74}, {"100211", 63}, {"100220", 63}, {"100221", 49},
    {"101000", 94},  {"101001", 89}, {"101010", 88}, {"101011", 77}, {"101020", 76}, {"101021", 67},
    {"101100", 86},  {"101101", 76}, {"101110", 74}, {"101111", 58}, {"101120", 59}, {"101121", 50},
    {"101200", 72},  {"101201", 57}, {"101210", 57}, {"101211", 52}, {"101220", 52}, {"101221", 25},
    {"102001", 83},  {"102011", 70}, {"102021", 54}, {"102101", 65}, {"102111", 58}, {"102121", 26},
    {"102201", 53},  {"102211", 21}, {"102221", 13}, {"110000", 95}, {"110001", 90}, {"110010", 88},
    {"110011", 76},  {"110020", 76}, {"110021", 70}, {"110100", 90}, {"110101", 77}, {"110110", 75},
    {"110111", 62},  {"110120", 61}, {"110121", 53}, {"110200", 77}, {"110201", 66}, {"110210", 68},
    {"110211", 59},  {"110220", 52}, {"110221", 30}, {"111000", 89}, {"111001", 78}, {"111010", 76},
    {"111011", 67},  {"111020", 62}, {"111021", 58}, {"111100", 74}, {"111101", 59}, {"111110", 57},
    {"111111", 57},  {"111120", 47}, {"111121", 23}, {"111200", 61}, {"111201", 52}, {"111210", 57},
    {"111211", 29},  {"111220", 24}, {"111221", 16}, {"112001", 71}, {"112011", 59}, {"112021", 30},
    {"112101", 58},  {"112111", 26}, {"112121", 15}, {"112201", 23}, {"112211", 13}, {"112221", 6},
    {"200000", 93},  {"200001", 87}, {"200010", 86}, {"200011", 72}, {"200020", 75}, {"200021", 58},
    {"200100", 86},  {"200101", 74}, {"200110", 74}, {"200111", 61}, {"200120", 56}, {"200121", 34},
    {"200200", 70},  {"200201", 54}, {"200210", 52}, {"200211", 40}, {"200220", 40}, {"200221", 22},
    {"201000", 85},  {"201001", 75}, {"201010", 74}, {"201011", 55}, {"201020", 62}, {"201021", 51},
    {"201100", 72},  {"201101", 57}, {"201110", 55}, {"201111", 41}, {"201120", 46}, {"201121", 19},
    {"201200", 53},  {"201201", 36}, {"201210", 34}, {"201211", 19}, {"201220", 19}, {"201221", 8},
    {"202001", 64},  {"202011", 51}, {"202021", 20}, {"202101", 47}, {"202111", 21}, {"202121", 11},
    {"202201", 24},  {"202211", 9},  {"202221", 4},  {"210000", 88}, {"210001", 75}, {"210010", 73},
    {"210011", 53},  {"210020", 60}, {"210021", 50}, {"210100", 73}, {"210101", 55}, {"210110", 59},
    {"210111", 40},  {"210120", 41}, {"210121", 20}, {"210200", 54}, {"210201", 43}, {"210210", 45},
    {"210211", 22},  {"210220", 20}, {"210221", 11}, {"211000", 75}, {"211001", 55}, {"211010", 58},
    {"211011", 45},  {"211020", 40}, {"211021", 21}, {"211100", 61}, {"211101", 51}, {"211110", 48},
    {"211111", 18},  {"211120", 20}, {"211121", 9},  {"211200", 46}, {"211201", 18}, {"211210", 17},
    {"211211", 7},   {"211220", 8},  {"211221", 2},  {"212001", 53}, {"212011", 24}, {"212021", 14},
    {"212101", 24},  {"212111", 12}, {"212121", 5},  {"212201", 10}, {"212211", 3},  {"212221", 1},
}};

static_assert(std::ranges::is_sorted(k_macro_scores, {}, &MacroScore::eqs));

std::optional<int> macro_score(const std::array<int, 6>& eqs) {
  std::array<char, 6> key{};
  for (std::size_t i = 0; i < eqs.size(); ++i) {
    if (eqs[i] < 0 || eqs[i] > 9)
      return std::nullopt;
    key[i] = static_cast<char>('0' + eqs[i]);
  }
  const std::string_view wanted(key.data(), key.size());
  const auto found = std::ranges::lower_bound(k_macro_scores, wanted, {}, &MacroScore::eqs);
  if (found == k_macro_scores.end() || found->eqs != wanted)
    return std::nullopt;
  return found->tenths;
}

// The metric values that v4.0 scoring reads, with threat and environmental
// metrics at the values "not defined" stands for: E as Attacked, CR/IR/AR
// as High, and no modified metric overriding a base one.
struct V4Vector {
  char av, ac, at, pr, ui;
  char vc, vi, va, sc, si, sa;
  char e, cr, ir, ar;
};

std::array<int, 6> macrovector(const V4Vector& v) {
  std::array<int, 6> eq{};
  // EQ1: how reachable the vulnerable system is.
  if (v.av == 'N' && v.pr == 'N' && v.ui == 'N')
    eq[0] = 0;
  else if ((v.av == 'N' || v.pr == 'N' || v.ui == 'N') && v.av != 'P')
    eq[0] = 1;
  else
    eq[0] = 2;
  // EQ2: attack complexity and requirements.
  eq[1] = v.ac == 'L' && v.at == 'N' ? 0 : 1;
  // EQ3: impact on the vulnerable system.
  if (v.vc == 'H' && v.vi == 'H')
    eq[2] = 0;
  else if (v.vc == 'H' || v.vi == 'H' || v.va == 'H')
    eq[2] = 1;
  else
    eq[2] = 2;
  // EQ4: impact on subsequent systems ('S', safety, only comes from MSI/MSA).
  if (v.si == 'S' || v.sa == 'S')
    eq[3] = 0;
  else if (v.sc == 'H' || v.si == 'H' || v.sa == 'H')
    eq[3] = 1;
  else
    eq[3] = 2;
  // EQ5: exploit maturity.
  eq[4] = v.e == 'A' ? 0 : v.e == 'P' ? 1 : 2;
  // EQ6: a high impact where the environment requires that property most.
  eq[5] =
      (v.cr == 'H' && v.vc == 'H') || (v.ir == 'H' && v.vi == 'H') || (v.ar == 'H' && v.va == 'H')
          ? 0
          : 1;
  return eq;
}

// The most severe vectors of each EQ class (max_composed.js), as the
// values of the EQ's metrics in this order:
//   EQ1 AV PR UI; EQ2 AC AT; EQ3+EQ6 VC VI VA CR IR AR; EQ4 SC SI SA.
// (EQ5's only member is E itself, so its distance is always zero.)
using Maxima = std::span<const std::string_view>;

Maxima eq1_maxima(int eq1) {
  static constexpr std::array<std::string_view, 1> k_0{"NNN"};
  static constexpr std::array<std::string_view, 3> k_1{"ANN", "NLN", "NNP"};
  static constexpr std::array<std::string_view, 2> k_2{"PNN", "ALP"};
  if (eq1 == 0)
    return k_0;
  if (eq1 == 1)
    return k_1;
  return k_2;
}

Maxima eq2_maxima(int eq2) {
  static constexpr std::array<std::string_view, 1> k_0{"LN"};
  static constexpr std::array<std::string_view, 2> k_1{"HN", "LP"};
  if (eq2 == 0)
    return k_0;
  return k_1;
}

Maxima eq3_eq6_maxima(int eq3, int eq6) {
  static constexpr std::array<std::string_view, 1> k_00{"HHHHHH"};
  static constexpr std::array<std::string_view, 2> k_01{"HHLMMH", "HHHMMM"};
  static constexpr std::array<std::string_view, 2> k_10{"LHHHHH", "HLHHHH"};
  static constexpr std::array<std::string_view, 5> k_11{"LHLHMH", "LHHHMM", "HLHMHM", "HLLMHH",
                                                        "LLHHHM"};
  static constexpr std::array<std::string_view, 1> k_21{"LLLHHH"};
  if (eq3 == 0)
    return eq6 == 0 ? Maxima(k_00) : Maxima(k_01);
  if (eq3 == 1)
    return eq6 == 0 ? Maxima(k_10) : Maxima(k_11);
  return k_21;
}

Maxima eq4_maxima(int eq4) {
  static constexpr std::array<std::string_view, 1> k_0{"HSS"};
  static constexpr std::array<std::string_view, 1> k_1{"HHH"};
  static constexpr std::array<std::string_view, 1> k_2{"LLL"};
  if (eq4 == 0)
    return k_0;
  if (eq4 == 1)
    return k_1;
  return k_2;
}

// The depth of each EQ class in tenths (max_severity.js): how far below its
// maxima the class reaches, which turns a distance into a proportion.
int eq1_depth(int eq1) {
  return std::array{1, 4, 5}[static_cast<std::size_t>(eq1)];
}
int eq2_depth(int eq2) {
  return std::array{1, 2}[static_cast<std::size_t>(eq2)];
}
int eq4_depth(int eq4) {
  return std::array{6, 5, 4}[static_cast<std::size_t>(eq4)];
}
int eq3_eq6_depth(int eq3, int eq6) {
  if (eq3 == 0)
    return eq6 == 0 ? 7 : 6;
  if (eq3 == 1)
    return 8;
  return 10;
}

// A value's severity level in tenths: its position in ORDER, most severe
// first ("NALP" for AV, ...).
int level(std::string_view order, char value) {
  return static_cast<int>(order.find(value));
}

// Severity distances, in tenths, of a vector from one most-severe vector,
// summed per EQ; DOMINATED when no single metric is more severe than the
// maximum's.
struct Distances {
  int eq1 = 0;
  int eq2 = 0;
  int eq3_eq6 = 0;
  int eq4 = 0;
  bool dominated = true;
};

Distances distances_from(const V4Vector& v, std::string_view m1, std::string_view m2,
                         std::string_view m36, std::string_view m4) {
  Distances d;
  const auto add = [&d](int& sum, std::string_view order, char value, char maximum) {
    const int step = level(order, value) - level(order, maximum);
    if (step < 0)
      d.dominated = false;
    sum += step;
  };
  add(d.eq1, "NALP", v.av, m1[0]);
  add(d.eq1, "NLH", v.pr, m1[1]);
  add(d.eq1, "NPA", v.ui, m1[2]);
  add(d.eq2, "LH", v.ac, m2[0]);
  add(d.eq2, "NP", v.at, m2[1]);
  add(d.eq3_eq6, "HLN", v.vc, m36[0]);
  add(d.eq3_eq6, "HLN", v.vi, m36[1]);
  add(d.eq3_eq6, "HLN", v.va, m36[2]);
  add(d.eq3_eq6, "HML", v.cr, m36[3]);
  add(d.eq3_eq6, "HML", v.ir, m36[4]);
  add(d.eq3_eq6, "HML", v.ar, m36[5]);
  add(d.eq4, "SHLN", v.sc, m4[0]);
  add(d.eq4, "SHLN", v.si, m4[1]);
  add(d.eq4, "SHLN", v.sa, m4[2]);
  return d;
}

// The distances from the first most-severe vector (in the reference
// calculator's order) that dominates V. When none does (EQ1's maxima do
// not cover AV:N with both PR and UI above None), the reference goes on
// with the last one it tried, and so does this.
Distances distances_from_maxima(const V4Vector& v, const std::array<int, 6>& eq) {
  Distances last;
  for (const auto m1 : eq1_maxima(eq[0])) {
    for (const auto m2 : eq2_maxima(eq[1])) {
      for (const auto m36 : eq3_eq6_maxima(eq[2], eq[5])) {
        for (const auto m4 : eq4_maxima(eq[3])) {
          last = distances_from(v, m1, m2, m36, m4);
          if (last.dominated)
            return last;
        }
      }
    }
  }
  return last;
}

std::optional<int> larger(std::optional<int> a, std::optional<int> b) {
  if (a && b)
    return std::max(*a, *b);
  return a ? a : b;
}

// The v4.0 score in tenths. The mean of the proportional distances is a
// fraction with a small denominator; it is kept exact so that a score that
// lands on x.x5 rounds half up, as the specification intends, instead of
// whichever way floating-point error tips it (RedHat cvss-v4-calculator
// issue #66 and its fix).
int v4_tenths(const V4Vector& v) {
  if (v.vc == 'N' && v.vi == 'N' && v.va == 'N' && v.sc == 'N' && v.si == 'N' && v.sa == 'N')
    return 0;
  const auto eq = macrovector(v);
  // Every macrovector a valid vector can fall in is in the table.
  const int value = macro_score(eq).value();

  const auto lower = [&eq](std::size_t index) {
    auto next = eq;
    ++next[index];
    return macro_score(next);
  };
  // EQ3 and EQ6 step down together: 00 -> 01 or 10 (the higher-scored),
  // 01 -> 11, 10 -> 11, 11 -> 21, and nothing below 21.
  std::optional<int> lower_eq3_eq6;
  if (eq[2] == 0 && eq[5] == 0)
    lower_eq3_eq6 = larger(lower(5), lower(2));
  else if (eq[2] == 1 && eq[5] == 0)
    lower_eq3_eq6 = lower(5);
  else if (eq[2] < 2)
    lower_eq3_eq6 = lower(2);

  const Distances d = distances_from_maxima(v, eq);

  struct Part {
    std::optional<int> lower;
    int distance;
    int depth;
  };
  const std::array parts{
      Part{lower(0), d.eq1, eq1_depth(eq[0])},
      Part{lower(1), d.eq2, eq2_depth(eq[1])},
      Part{lower_eq3_eq6, d.eq3_eq6, eq3_eq6_depth(eq[2], eq[5])},
      Part{lower(3), d.eq4, eq4_depth(eq[3])},
      // EQ5: a vector always sits at its class's maximum.
      Part{lower(4), 0, 1},
  };

  std::int64_t count = 0;
  std::int64_t depths = 1;
  for (const auto& part : parts) {
    if (part.lower)
      ++count;
    depths *= part.depth;
  }
  if (count == 0)
    return value;
  // score = value - (1/count) * sum((value - lower) * distance / depth),
  // as NUMERATOR / DENOMINATOR.
  const std::int64_t denominator = count * depths;
  std::int64_t numerator = value * denominator;
  for (const auto& part : parts) {
    if (part.lower)
      numerator -= std::int64_t{value - *part.lower} * part.distance * (depths / part.depth);
  }
  numerator = std::clamp(numerator, std::int64_t{0}, 100 * denominator);
  return static_cast<int>((2 * numerator + denominator) / (2 * denominator));
}

V4Vector v4_vector(const Metrics& m) {
  return V4Vector{
      .av = m.letter("AV"),
      .ac = m.letter("AC"),
      .at = m.letter("AT"),
      .pr = m.letter("PR"),
      .ui = m.letter("UI"),
      .vc = m.letter("VC"),
      .vi = m.letter("VI"),
      .va = m.letter("VA"),
      .sc = m.letter("SC"),
      .si = m.letter("SI"),
      .sa = m.letter("SA"),
      .e = 'A',
      .cr = 'H',
      .ir = 'H',
      .ar = 'H',
  };
}

Score make_score(std::string_view version, double base, std::string_view rating_text) {
  return Score{std::string(version), base, std::string(rating_text)};
}

} // namespace

std::expected<Score, std::string> score(std::string_view vector) {
  auto text = util::trim(vector);
  if (text.empty())
    return std::unexpected(std::string("empty cvss vector"));

  const auto slash = text.find('/');
  const auto head = text.substr(0, slash);
  constexpr std::string_view k_prefix = "CVSS:";
  if (head.size() >= k_prefix.size() && util::iequals(head.substr(0, k_prefix.size()), k_prefix)) {
    const auto version = head.substr(k_prefix.size());
    const bool known = head.starts_with(k_prefix) && (version == "2.0" || version == "3.0" ||
                                                      version == "3.1" || version == "4.0");
    if (!known)
      return std::unexpected(fmt::format("unknown cvss version prefix '{}'", shown(head)));
    // "CVSS:3.1" alone has no components at all; "CVSS:3.1/" has one empty one.
    std::vector<std::string_view> components;
    if (slash != std::string_view::npos)
      components = util::split(text.substr(slash + 1), '/');
    if (version == "2.0") {
      auto metrics = parse_metrics(components, k_v2_metrics, version);
      if (!metrics)
        return std::unexpected(std::move(metrics.error()));
      const double base = v2_base(*metrics);
      return make_score(version, base, v2_rating(base));
    }
    if (version == "4.0") {
      auto metrics = parse_metrics(components, k_v4_metrics, version);
      if (!metrics)
        return std::unexpected(std::move(metrics.error()));
      const double base = v4_tenths(v4_vector(*metrics)) / 10.0;
      return make_score(version, base, rating(base));
    }
    auto metrics = parse_metrics(components, k_v3_metrics, version);
    if (!metrics)
      return std::unexpected(std::move(metrics.error()));
    const double base = v3_base(*metrics, version == "3.1");
    return make_score(version, base, rating(base));
  }

  // No prefix: a v2 vector, which NVD used to print in parentheses.
  if (text.front() == '(' || text.back() == ')') {
    if (text.size() < 2 || text.front() != '(' || text.back() != ')')
      return std::unexpected(std::string("unbalanced parentheses around a cvss v2 vector"));
    text = text.substr(1, text.size() - 2);
  }
  const auto components = util::split(text, '/');
  auto metrics = parse_metrics(components, k_v2_metrics, "2.0");
  if (!metrics) {
    // A v3 or v4 vector that lost its prefix fails on its first metric that
    // v2 lacks; say what is more likely wrong.
    if (metrics.error().starts_with("unknown metric"))
      return std::unexpected(metrics.error() +
                             " (v3 and v4 vectors need their CVSS:3.x/ or CVSS:4.0/ prefix)");
    return std::unexpected(std::move(metrics.error()));
  }
  const double base = v2_base(*metrics);
  return make_score("2.0", base, v2_rating(base));
}

std::string_view rating(double score) {
  if (!(score > 0.0))
    return "none";
  if (score < 4.0)
    return "low";
  if (score < 7.0)
    return "medium";
  if (score < 9.0)
    return "high";
  return "critical";
}

double round_up_v31(double value) {
  // Beyond this the scaled integer would not fit, and no CVSS score is there.
  if (!std::isfinite(value) || std::fabs(value) > 1e9)
    return std::ceil(value * 10.0) / 10.0;
  const std::int64_t scaled = std::llround(value * 100000.0);
  if (scaled % 10000 == 0)
    return static_cast<double>(scaled) / 100000.0;
  return (std::floor(static_cast<double>(scaled) / 10000.0) + 1.0) / 10.0;
}

} // namespace moat::vuln::cvss
