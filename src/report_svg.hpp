#pragma once
// Internal to the HTML report: inline SVG charts drawn as text. A chart is a plot area with two
// scales (linear or log10), axes with ticks and labels, and whatever marks a caller adds inside.

#include <string>
#include <vector>

namespace hypergrid::svg {

/// Escapes text for HTML or XML content and attribute values.
std::string escape(const std::string& text);

/// A number as short text for labels ("0.001", "1e+04", "12.5").
std::string short_number(double value);

/// Coordinates with two decimals at most: enough for a screen, small in the file.
std::string px(double value);

/// Maps values onto a pixel range, linearly or in log10.
struct Scale {
    double lo = 0, hi = 1;  ///< the domain, in values (positive for log)
    bool log = false;
    double from = 0, to = 1;  ///< the pixel range lo and hi map to

    double operator()(double value) const;
    /// Tick positions in values: the given ones when there are few, otherwise round numbers.
    std::vector<double> ticks(const std::vector<double>& preferred = {}) const;
};

/// The domain of `values` widened a little so marks at its ends stay inside the plot.
Scale padded_scale(double lo, double hi, bool log, double margin_fraction = 0.05);

/// One colour per series, distinguishable for most colour vision.
const char* series_colour(std::size_t i);

/// The colour of `t` in [0, 1] on a light-yellow (0) to dark-blue (1) ramp, and whether text on it
/// should be white.
std::string ramp_colour(double t);
bool ramp_is_dark(double t);

class Chart {
public:
    /// A chart of `width` x `height` pixels; the scales' pixel ranges are set to the plot area.
    Chart(int width, int height, Scale x, Scale y, std::string x_label, std::string y_label,
          std::vector<double> x_ticks = {}, std::vector<std::string> x_tick_labels = {});

    const Scale& x() const { return x_; }
    const Scale& y() const { return y_; }
    double left() const { return left_; }
    double right() const { return width_ - right_margin_; }
    double top() const { return top_; }
    double bottom() const { return height_ - bottom_margin_; }

    /// Marks inside the plot area (SVG elements), drawn over the grid lines.
    void add(const std::string& element) { marks_ += element; }
    /// The whole <svg> element.
    std::string render(const std::string& title) const;

private:
    int width_, height_;
    double left_ = 58, top_ = 14, right_margin_ = 14, bottom_margin_ = 44;
    Scale x_, y_;
    std::string x_label_, y_label_;
    std::vector<double> x_ticks_;
    std::vector<std::string> x_tick_labels_;
    std::string marks_;
};

}  // namespace hypergrid::svg
