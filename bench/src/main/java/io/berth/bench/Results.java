package io.berth.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/** Every sample the run took, by metric and by server, and the tables made of them. */
final class Results {
    static final String BERTH = "berth";
    static final String REFERENCE = "reference";
    static final String GENERATOR = "generator";
    static final String MACHINE = "machine";

    /** One metric's samples by server, in the order metrics were first seen. */
    private static final class Metric {
        final String name;
        final String unit;
        final Map<String, List<Double>> samples = new LinkedHashMap<>();

        Metric(String name, String unit) {
            this.name = name;
            this.unit = unit;
        }
    }

    private final Map<String, Metric> metrics = new LinkedHashMap<>();

    synchronized void add(String server, String name, String unit, double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return;
        }
        metrics.computeIfAbsent(name, n -> new Metric(n, unit)).samples
                .computeIfAbsent(server, s -> new ArrayList<>()).add(value);
    }

    synchronized OptionalDouble median(String server, String name) {
        Metric metric = metrics.get(name);
        if (metric == null || !metric.samples.containsKey(server)) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(median(metric.samples.get(server)));
    }

    /** The side-by-side table: medians, ratio Berth/reference, min–max, and the generator's own ceiling. */
    synchronized String sideBySide() {
        StringBuilder out = new StringBuilder();
        out.append("| metric | unit | Berth | reference | Berth/ref | Berth min–max | ref min–max | n | generator alone |\n");
        out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Metric m : metrics.values()) {
            List<Double> b = m.samples.get(BERTH);
            List<Double> r = m.samples.get(REFERENCE);
            List<Double> g = m.samples.get(GENERATOR);
            if (b == null && r == null && g == null) {
                continue;
            }
            String ratio = b != null && r != null && median(r) != 0 ? format(median(b) / median(r)) + "x" : "";
            int n = Math.max(b == null ? 0 : b.size(), r == null ? 0 : r.size());
            out.append("| ").append(m.name).append(" | ").append(m.unit)
                    .append(" | ").append(b == null ? "" : format(median(b)))
                    .append(" | ").append(r == null ? "" : format(median(r)))
                    .append(" | ").append(ratio)
                    .append(" | ").append(range(b))
                    .append(" | ").append(range(r))
                    .append(" | ").append(n)
                    .append(" | ").append(g == null ? "" : format(median(g)))
                    .append(" |\n");
        }
        return out.toString();
    }

    synchronized String machine() {
        StringBuilder out = new StringBuilder();
        out.append("| ceiling | unit | median | min–max | n |\n|---|---|---:|---:|---:|\n");
        for (Metric m : metrics.values()) {
            List<Double> s = m.samples.get(MACHINE);
            if (s != null) {
                out.append("| ").append(m.name).append(" | ").append(m.unit).append(" | ").append(format(median(s)))
                        .append(" | ").append(range(s)).append(" | ").append(s.size()).append(" |\n");
            }
        }
        return out.toString();
    }

    private static String range(List<Double> values) {
        if (values == null) {
            return "";
        }
        return format(Collections.min(values)) + "–" + format(Collections.max(values));
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    static String format(double value) {
        double a = Math.abs(value);
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", value);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", value);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        if (a >= 0.1 || a == 0) {
            return String.format(Locale.ROOT, "%.2f", value);
        }
        return String.format(Locale.ROOT, "%.3g", value);
    }
}
