import Foundation
import KernelPower

/// A small, dependency-free SVG chart writer for reports: scatter and line series on linear or
/// logarithmic axes, with axis titles carrying units, ticks that do not overlap, a legend, and
/// series told apart by marker shape and dash as well as colour (they survive grey-scale printing).
public struct SVGChart {
    public enum Scale: Sendable { case linear, log }
    public enum Style: Sendable { case markers, line, bars }

    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public var style: Style
        public init(name: String, points: [(x: Double, y: Double)], style: Style = .markers) {
            self.name = name; self.points = points; self.style = style
        }
    }

    public var title: String
    public var xTitle: String
    public var yTitle: String
    public var xScale: Scale = .linear
    public var yScale: Scale = .linear
    public var series: [Series] = []
    /// Draws the y = x diagonal (predicted vs measured plots).
    public var identityLine = false
    public var width = 640.0
    public var height = 440.0

    public init(title: String, xTitle: String, yTitle: String) {
        self.title = title; self.xTitle = xTitle; self.yTitle = yTitle
    }

    /// Colours (Okabe–Ito palette, distinguishable with colour-vision deficiencies) and marker shapes.
    static let colors = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
    static let dashes = ["", "6 3", "2 3", "8 3 2 3", "1 2", "10 4"]

    /// The colour, dash and marker shape of series `i`. Colour cycles over 8 and dash and shape
    /// over 6, so the first 24 series (8 and 6 share a factor of 2: lcm 24) each get their own
    /// pair; past 24 the dash and shape step one further, which gives 24 more pairs, since
    /// `i % 8` and `(i + 1) % 6` then differ in parity where the first 24 agree. A chart of more
    /// series draws them all, never a palette's worth only (gpu-generations' 9th and 10th GPUs
    /// had been dropped from its line charts with nothing said).
    static func look(_ i: Int) -> (color: String, dash: String, shape: Int) {
        let style = (i + i / 24) % dashes.count
        return (colors[i % colors.count], dashes[style], style)
    }

    let left = 78.0, right = 20.0, top = 40.0, bottom = 58.0

    public func render() -> String {
        let all = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite && (xScale == .linear || $0.x > 0) && (yScale == .linear || $0.y > 0) }
        var xr = Self.range(all.map(\.x), scale: xScale), yr = Self.range(all.map(\.y), scale: yScale)
        if identityLine { let lo = min(xr.lowerBound, yr.lowerBound), hi = max(xr.upperBound, yr.upperBound); xr = lo...hi; yr = lo...hi }
        let pw = width - left - right, ph = height - top - bottom
        func sx(_ x: Double) -> Double { left + pw * Self.unit(x, xr, xScale) }
        func sy(_ y: Double) -> Double { top + ph * (1 - Self.unit(y, yr, yScale)) }
        let (legendSVG, legendHeight) = legend()
        let total = height + legendHeight
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(f(width)) \(f(total))\" width=\"\(f(width))\" height=\"\(f(total))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\" role=\"img\">\n"
        svg += "<title>\(Self.escape(title))</title>\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
        svg += "<text x=\"\(f(width / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">\(Self.escape(title))</text>\n"
        svg += axes(xr: xr, yr: yr, sx: sx, sy: sy, pw: pw, ph: ph)
        if identityLine {
            svg += "<line class=\"identity\" x1=\"\(f(sx(xr.lowerBound)))\" y1=\"\(f(sy(xr.lowerBound)))\" x2=\"\(f(sx(xr.upperBound)))\" y2=\"\(f(sy(xr.upperBound)))\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>\n"
        }
        for (i, s) in series.enumerated() { svg += draw(s, index: i, sx: sx, sy: sy, baseline: sy(yr.lowerBound)) }
        svg += legendSVG
        svg += "</svg>\n"
        return svg
    }

    func f(_ x: Double) -> String { formatFixed(x, decimals: 1) }

    func axes(xr: ClosedRange<Double>, yr: ClosedRange<Double>, sx: (Double) -> Double, sy: (Double) -> Double,
              pw: Double, ph: Double) -> String {
        var s = "<g class=\"axes\" stroke=\"#333\" fill=\"none\"><rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(pw))\" height=\"\(f(ph))\"/></g>\n"
        for t in Self.ticks(xr, scale: xScale, maxCount: max(2, Int(pw / 70))) {
            s += "<line x1=\"\(f(sx(t)))\" y1=\"\(f(top + ph))\" x2=\"\(f(sx(t)))\" y2=\"\(f(top + ph + 5))\" stroke=\"#333\"/>"
            s += "<text x=\"\(f(sx(t)))\" y=\"\(f(top + ph + 18))\" text-anchor=\"middle\">\(Self.tickLabel(t))</text>\n"
        }
        for t in Self.ticks(yr, scale: yScale, maxCount: max(2, Int(ph / 40))) {
            s += "<line x1=\"\(f(left - 5))\" y1=\"\(f(sy(t)))\" x2=\"\(f(left))\" y2=\"\(f(sy(t)))\" stroke=\"#333\"/>"
            s += "<line x1=\"\(f(left))\" y1=\"\(f(sy(t)))\" x2=\"\(f(left + pw))\" y2=\"\(f(sy(t)))\" stroke=\"#eee\"/>"
            s += "<text x=\"\(f(left - 8))\" y=\"\(f(sy(t) + 4))\" text-anchor=\"end\">\(Self.tickLabel(t))</text>\n"
        }
        s += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(height - 14))\" text-anchor=\"middle\">\(Self.escape(xTitle))</text>\n"
        s += "<text transform=\"translate(16 \(f(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\">\(Self.escape(yTitle))</text>\n"
        return s
    }

    func draw(_ series: Series, index i: Int, sx: (Double) -> Double, sy: (Double) -> Double, baseline: Double) -> String {
        let (color, dash, shape) = Self.look(i)
        let pts = series.points.filter { $0.x.isFinite && $0.y.isFinite && (xScale == .linear || $0.x > 0) && (yScale == .linear || $0.y > 0) }
        var s = "<g class=\"series\" data-name=\"\(Self.escape(series.name))\">"
        switch series.style {
        case .line:
            let d = pts.enumerated().map { j, p in "\(j == 0 ? "M" : "L")\(f(sx(p.x))) \(f(sy(p.y)))" }.joined(separator: " ")
            s += "<path class=\"mark\" d=\"\(d)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" stroke-dasharray=\"\(dash)\"/>"
        case .markers:
            for p in pts { s += marker(shape: shape, x: sx(p.x), y: sy(p.y), color: color) }
        case .bars:
            let w = max(2, (width - left - right) / Double(max(1, pts.count)) * 0.7)
            for p in pts {
                let y = sy(p.y)
                s += "<rect class=\"mark\" x=\"\(f(sx(p.x) - w / 2))\" y=\"\(f(min(y, baseline)))\" width=\"\(f(w))\" height=\"\(f(abs(baseline - y)))\" fill=\"\(color)\"/>"
            }
        }
        return s + "</g>\n"
    }

    /// Circle, square, triangle, diamond, cross, plus: shape encodes the series too.
    func marker(shape: Int, x: Double, y: Double, color: String, cssClass: String = "mark") -> String {
        let r = 3.5
        let c = cssClass
        switch shape % 6 {
        case 0: return "<circle class=\"\(c)\" cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"\(f(r))\" fill=\"\(color)\" fill-opacity=\"0.75\"/>"
        case 1: return "<rect class=\"\(c)\" x=\"\(f(x - r))\" y=\"\(f(y - r))\" width=\"\(f(2 * r))\" height=\"\(f(2 * r))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\"/>"
        case 2: return "<path class=\"\(c)\" d=\"M\(f(x)) \(f(y - r - 1))L\(f(x + r + 1)) \(f(y + r))L\(f(x - r - 1)) \(f(y + r))Z\" fill=\"\(color)\" fill-opacity=\"0.6\"/>"
        case 3: return "<path class=\"\(c)\" d=\"M\(f(x)) \(f(y - r - 1))L\(f(x + r + 1)) \(f(y))L\(f(x)) \(f(y + r + 1))L\(f(x - r - 1)) \(f(y))Z\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\"/>"
        case 4: return "<path class=\"\(c)\" d=\"M\(f(x - r)) \(f(y - r))L\(f(x + r)) \(f(y + r))M\(f(x + r)) \(f(y - r))L\(f(x - r)) \(f(y + r))\" stroke=\"\(color)\" stroke-width=\"1.5\"/>"
        default: return "<path class=\"\(c)\" d=\"M\(f(x - r)) \(f(y))L\(f(x + r)) \(f(y))M\(f(x)) \(f(y - r))L\(f(x)) \(f(y + r))\" stroke=\"\(color)\" stroke-width=\"1.5\"/>"
        }
    }

    /// The legend under the plot, entries left to right, wrapping: it never covers data.
    func legend() -> (String, Double) {
        guard series.count > 1 || identityLine else { return ("", 0) }
        var entries = series.enumerated().map { ($0.offset, $0.element.name) }
        if identityLine { entries.append((-1, "predicted = measured")) }
        var s = "<g class=\"legend\">"
        var x = left, y = height + 4
        for (i, name) in entries {
            let w = Double(name.count) * 6.8 + 34
            if x + w > width - right && x > left { x = left; y += 18 }
            if i < 0 {
                s += "<line x1=\"\(f(x))\" y1=\"\(f(y))\" x2=\"\(f(x + 14))\" y2=\"\(f(y))\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>"
            } else if series[i].style == .line {
                let look = Self.look(i)
                s += "<line x1=\"\(f(x))\" y1=\"\(f(y))\" x2=\"\(f(x + 14))\" y2=\"\(f(y))\" stroke=\"\(look.color)\" stroke-width=\"2\" stroke-dasharray=\"\(look.dash)\"/>"
            } else {
                s += marker(shape: Self.look(i).shape, x: x + 7, y: y, color: Self.look(i).color, cssClass: "legend-mark")
            }
            s += "<text x=\"\(f(x + 20))\" y=\"\(f(y + 4))\">\(Self.escape(name))</text>"
            x += w
        }
        return (s + "</g>\n", y - height + 14)
    }

    static func range(_ v: [Double], scale: Scale) -> ClosedRange<Double> {
        guard var lo = v.min(), var hi = v.max() else { return 0...1 }
        if scale == .log {
            lo = pow(10, (log10(lo)).rounded(.down)); hi = pow(10, (log10(hi)).rounded(.up))
            if lo == hi { hi = lo * 10 }
            return lo...hi
        }
        if lo == hi { lo -= 1; hi += 1 }
        let pad = (hi - lo) * 0.05
        return min(lo - pad, lo >= 0 && lo - pad < 0 ? 0 : lo - pad)...(hi + pad)
    }

    static func unit(_ v: Double, _ r: ClosedRange<Double>, _ scale: Scale) -> Double {
        switch scale {
        case .linear: return (v - r.lowerBound) / (r.upperBound - r.lowerBound)
        case .log: return (log10(v) - log10(r.lowerBound)) / (log10(r.upperBound) - log10(r.lowerBound))
        }
    }

    /// Nice ticks: 1-2-5 steps on linear axes, decades (and 2, 5 when few) on log axes.
    static func ticks(_ r: ClosedRange<Double>, scale: Scale, maxCount: Int) -> [Double] {
        if scale == .log {
            let lo = Int(log10(r.lowerBound).rounded(.down)), hi = Int(log10(r.upperBound).rounded(.up))
            var t: [Double] = []
            for e in lo...max(lo, hi) {
                for m in (hi - lo <= 2 ? [1.0, 2, 5] : [1.0]) {
                    let v = m * pow(10, Double(e))
                    if v >= r.lowerBound * 0.999 && v <= r.upperBound * 1.001 { t.append(v) }
                }
            }
            return t
        }
        let span = r.upperBound - r.lowerBound
        let raw = span / Double(max(1, maxCount))
        let mag = pow(10, log10(raw).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        var t: [Double] = []
        var v = (r.lowerBound / step).rounded(.up) * step
        while v <= r.upperBound + step * 1e-9 { t.append(abs(v) < step * 1e-9 ? 0 : v); v += step }
        return t
    }

    static func tickLabel(_ v: Double) -> String { formatNumber(v, significant: 3) }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
