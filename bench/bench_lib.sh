# Sourced by the bench scripts (not run on its own): number helpers.
calc() { awk "BEGIN { printf \"%.${1}f\", ($2) }"; }  # calc DECIMALS EXPR
# median "T1 T2 ...": the median of space-separated numbers (nothing for none).
median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g | awk '{ v[NR] = $1 } END {
  if (NR == 0) exit; print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
