# Sourced by the end-to-end and SLURM tests (not a test itself).
# strip_cols CSV: prints a trials.csv without its seconds and rank columns, the only ones that may
# differ between runs of the same sweep.
strip_cols() {
    awk -F, -v OFS=, '
        NR == 1 { for (i = 1; i <= NF; i++) if ($i == "seconds" || $i == "rank") drop[i] = 1 }
        {
            line = ""; sep = ""
            for (i = 1; i <= NF; i++) if (!(i in drop)) { line = line sep $i; sep = OFS }
            print line
        }
    ' "$1"
}
