#include "report_svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace hypergrid::svg {

std::string escape(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (const char ch : text) {
        switch (ch) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += ch;
        }
    }
    return out;
}

std::string short_number(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.4g", value);
    return text;
}

std::string px(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2f", value);
    std::string s = text;
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s == "-0" ? "0" : s;
}

double Scale::operator()(double value) const {
    const double a = log ? std::log10(lo) : lo, b = log ? std::log10(hi) : hi;
    const double v = log ? std::log10(value) : value;
    if (b == a) return (from + to) / 2;
    return from + (v - a) / (b - a) * (to - from);
}

std::vector<double> Scale::ticks(const std::vector<double>& preferred) const {
    if (!preferred.empty() && preferred.size() <= 10) return preferred;
    std::vector<double> ticks;
    if (log) {
        const int first = static_cast<int>(std::floor(std::log10(lo))), last = static_cast<int>(std::ceil(std::log10(hi)));
        const bool dense = last - first <= 2;
        for (int e = first; e <= last; ++e)
            for (const double m : dense ? std::vector<double>{1, 2, 5} : std::vector<double>{1}) {
                const double t = m * std::pow(10.0, e);
                if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9)) ticks.push_back(t);
            }
        if (ticks.size() > 8) {  // keep every other decade
            std::vector<double> fewer;
            for (std::size_t i = 0; i < ticks.size(); i += 2) fewer.push_back(ticks[i]);
            ticks = fewer;
        }
        return ticks;
    }
    const double range = hi - lo;
    if (!(range > 0)) return {lo};
    const double rough = range / 5, power = std::pow(10.0, std::floor(std::log10(rough)));
    double step = power;
    for (const double m : {1.0, 2.0, 5.0, 10.0})
        if (m * power >= rough) { step = m * power; break; }
    for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push_back(std::abs(t) < step * 1e-9 ? 0 : t);
    return ticks;
}

Scale padded_scale(double lo, double hi, bool log, double margin) {
    Scale s;
    s.log = log;
    if (log) {
        const double a = std::log10(lo), b = std::log10(hi), pad = std::max((b - a) * margin, 0.05);
        s.lo = std::pow(10.0, a - pad);
        s.hi = std::pow(10.0, b + pad);
    } else {
        const double pad = hi > lo ? (hi - lo) * margin : std::max(std::abs(lo) * 0.1, 0.5);
        s.lo = lo - pad;
        s.hi = hi + pad;
    }
    return s;
}

const char* series_colour(std::size_t i) {
    static const char* const colours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                          "#9467bd", "#8c564b", "#e377c2", "#17becf"};
    return colours[i % 8];
}

std::string ramp_colour(double t) {
    // YlGnBu, five stops: light yellow for high cost to dark blue for low.
    static const double stops[5][3] = {{255, 255, 204}, {161, 218, 180}, {65, 182, 196}, {44, 127, 184}, {37, 52, 148}};
    t = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0) * 4;
    const int i = std::min(static_cast<int>(t), 3);
    const double f = t - i;
    char text[8];
    std::snprintf(text, sizeof text, "#%02x%02x%02x", static_cast<int>(stops[i][0] + f * (stops[i + 1][0] - stops[i][0])),
                  static_cast<int>(stops[i][1] + f * (stops[i + 1][1] - stops[i][1])),
                  static_cast<int>(stops[i][2] + f * (stops[i + 1][2] - stops[i][2])));
    return text;
}

bool ramp_is_dark(double t) { return t > 0.55; }

Chart::Chart(int width, int height, Scale x, Scale y, std::string x_label, std::string y_label,
             std::vector<double> x_ticks, std::vector<std::string> x_tick_labels)
    : width_(width), height_(height), x_(x), y_(y), x_label_(std::move(x_label)), y_label_(std::move(y_label)),
      x_ticks_(std::move(x_ticks)), x_tick_labels_(std::move(x_tick_labels)) {
    x_.from = left();
    x_.to = right();
    y_.from = bottom();
    y_.to = top();
}

std::string Chart::render(const std::string& title) const {
    std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + std::to_string(width_) + ' ' +
                      std::to_string(height_) + "\" width=\"" + std::to_string(width_) + "\" height=\"" +
                      std::to_string(height_) + "\" role=\"img\"><title>" + escape(title) + "</title>";
    out += "<rect class=\"plot\" x=\"" + px(left()) + "\" y=\"" + px(top()) + "\" width=\"" + px(right() - left()) +
           "\" height=\"" + px(bottom() - top()) + "\"/>";
    // Grid lines and tick labels.
    const std::vector<double> xt = x_.ticks(x_ticks_);
    for (std::size_t i = 0; i < xt.size(); ++i) {
        const std::string at = px(x_(xt[i]));
        const std::string label = i < x_tick_labels_.size() ? x_tick_labels_[i] : short_number(xt[i]);
        out += "<line class=\"grid\" x1=\"" + at + "\" x2=\"" + at + "\" y1=\"" + px(top()) + "\" y2=\"" + px(bottom()) + "\"/>";
        out += "<text class=\"tick\" x=\"" + at + "\" y=\"" + px(bottom() + 14) + "\" text-anchor=\"middle\">" + escape(label) + "</text>";
    }
    for (const double t : y_.ticks()) {
        const std::string at = px(y_(t));
        out += "<line class=\"grid\" x1=\"" + px(left()) + "\" x2=\"" + px(right()) + "\" y1=\"" + at + "\" y2=\"" + at + "\"/>";
        out += "<text class=\"tick\" x=\"" + px(left() - 5) + "\" y=\"" + px(y_(t) + 4) + "\" text-anchor=\"end\">" +
               escape(short_number(t)) + "</text>";
    }
    out += marks_;
    out += "<text class=\"label\" x=\"" + px((left() + right()) / 2) + "\" y=\"" + px(height_ - 8) +
           "\" text-anchor=\"middle\">" + escape(x_label_) + (x_.log ? " (log)" : "") + "</text>";
    out += "<text class=\"label\" transform=\"translate(14 " + px((top() + bottom()) / 2) +
           ") rotate(-90)\" text-anchor=\"middle\">" + escape(y_label_) + (y_.log ? " (log)" : "") + "</text>";
    return out + "</svg>";
}

}  // namespace hypergrid::svg
