#!/usr/bin/env bash
# Regenerates seeds/demo-site/, the bundled demo book catalogue that
# `forager-demo-server` serves and the README's first command crawls.
#
# Usage: seeds/generate_demo_site.sh [OUTDIR]      (default: seeds/demo-site next to this script)
#
# bash + coreutils only, and deterministic: every price, rating, stock count,
# category and tag is arithmetic on the book number, so running it twice gives
# byte-identical output. The generated files are committed; rerun this script
# only when you mean to change the site, and commit the result.
set -euo pipefail
export LC_ALL=C
# bash >= 5.2 would expand '&' in ${var//pat/repl} replacements to the match.
shopt -u patsub_replacement 2>/dev/null || true

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-"$here/demo-site"}

# The demo's fixed port (seeds/demo.txt); only used for the Sitemap line and sitemap.xml.
DEMO_BASE="http://127.0.0.1:8765"
SITE="Forager Books"

NBOOKS=300
PER_PAGE=20

# Categories: slug|name|number of books. The counts add up to NBOOKS.
CATS=(
  "travel|Travel|45"
  "mystery|Mystery|38"
  "historical-fiction|Historical Fiction|32"
  "science|Science|30"
  "poetry|Poetry|28"
  "fantasy|Fantasy|26"
  "romance|Romance|24"
  "philosophy|Philosophy|22"
  "science-fiction|Science Fiction|20"
  "humor|Humor|15"
  "classics|Classics|12"
  "art|Art|8"
)
NCATS=${#CATS[@]}

ADJ=(Silent Crimson Hidden Golden Forgotten Wandering Broken Distant Quiet Burning
     Northern Secret Endless Hollow Midnight Scarlet Gentle Iron Paper Winter)
NOUN=(Harbor Garden Lantern River Kingdom Orchard Mirror Compass Tide Library
      Meadow Voyage Archive Tower Signal)
TAGS=(fiction nonfiction bestseller award-winner debut illustrated translated
      paperback hardcover classic series short-reads)
WORDS=(a quiet story of loss and return told across three generations with wit and
       patience where every chapter opens a door onto an unexpected place and the
       characters discover what they have been carrying all along through storms
       letters journeys and small kindnesses)

# Books with hand-written titles (quirks): entity-escaped and non-ASCII titles.
declare -A TITLE_OVERRIDE=(
  [7]="Pride & Prejudice"
  [42]="Les Misérables"
  [128]="Don't Panic: A Field Guide"
)
declare -A SLUG_OVERRIDE=(
  [7]="pride-and-prejudice"
  [42]="les-miserables"
  [128]="dont-panic-a-field-guide"
)
BASE_HREF_BOOK=13        # product page that uses <base href="/catalogue/">
CSV_BOOK=1               # (the CSV lists every book; linked from index.html)

# ---------------------------------------------------------------- helpers
html_escape() {  # $1 -> stdout, for text and attribute values
  local s=$1
  s=${s//&/&amp;}; s=${s//</&lt;}; s=${s//>/&gt;}; s=${s//\"/&quot;}; s=${s//\'/&#39;}
  printf '%s' "$s"
}

book_title() {  # $1 = n
  local n=$1
  if [[ -n ${TITLE_OVERRIDE[$n]:-} ]]; then printf '%s' "${TITLE_OVERRIDE[$n]}"; return; fi
  local i=$(( n - 1 ))
  printf 'The %s %s' "${ADJ[$(( i % 20 ))]}" "${NOUN[$(( i / 20 ))]}"
}

book_slug() {  # $1 = n  -> e.g. the-silent-harbor_1
  local n=$1 s
  if [[ -n ${SLUG_OVERRIDE[$n]:-} ]]; then s=${SLUG_OVERRIDE[$n]}
  else s=$(book_title "$n"); s=${s,,}; s=${s// /-}; fi
  printf '%s_%d' "$s" "$n"
}

book_price() {  # pounds.pence, 10.00 .. 59.99
  local c=$(( 1000 + ($1 * 3779) % 5000 ))
  printf '%d.%02d' $(( c / 100 )) $(( c % 100 ))
}

RATINGS=(One Two Three Four Five)
book_rating() { printf '%s' "${RATINGS[$(( ($1 * 7 + 3) % 5 ))]}"; }
book_stock()  { printf '%d' $(( ($1 * 13) % 22 + 1 )); }

# Category of book n: a fixed permutation of 1..NBOOKS (slot = n*7 mod NBOOKS,
# 7 being coprime with 300) cut into blocks of the category sizes.
declare -a BOOK_CAT
declare -a CAT_BOOKS   # space-separated book numbers per category, ascending
assign_categories() {
  local n slot c acc size
  for (( c = 0; c < NCATS; c++ )); do CAT_BOOKS[c]=""; done
  for (( n = 1; n <= NBOOKS; n++ )); do
    slot=$(( (n * 7) % NBOOKS )); acc=0
    for (( c = 0; c < NCATS; c++ )); do
      size=${CATS[c]##*|}
      if (( slot < acc + size )); then break; fi
      acc=$(( acc + size ))
    done
    BOOK_CAT[n]=$c
    CAT_BOOKS[c]+="$n "
  done
}

cat_slug() { local e=${CATS[$1]}; printf '%s' "${e%%|*}"; }
cat_name() { local e=${CATS[$1]#*|}; printf '%s' "${e%%|*}"; }

# page_head ROOT TITLE DESCRIPTION [EXTRA_HEAD]
page_head() {
  local root=$1 title=$2 desc=$3 extra=${4:-}
  cat <<EOF
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>$(html_escape "$title") | $SITE</title>
<meta name="description" content="$(html_escape "$desc")">
<meta name="viewport" content="width=device-width, initial-scale=1">
${extra}<link rel="stylesheet" href="${root}static/site.css">
</head>
<body>
<header class="page_header">
<a class="brand" href="${root}index.html">$SITE</a>
<span class="tagline">a demo catalogue for the forager crawler</span>
</header>
<div class="page">
EOF
}

# nav ROOT [CURRENT_CAT]
nav() {
  local root=$1 cur=${2:--1} c cls
  printf '<aside class="sidebar">\n<ul class="nav nav-list">\n'
  printf '<li><a href="%scatalogue/page-1.html">All books</a></li>\n' "$root"
  for (( c = 0; c < NCATS; c++ )); do
    cls=""; (( c == cur )) && cls=' class="active"'
    printf '<li%s><a href="%scatalogue/category/%s/page-1.html">%s</a></li>\n' \
      "$cls" "$root" "$(cat_slug $c)" "$(cat_name $c)"
  done
  printf '</ul>\n</aside>\n'
}

page_foot() {  # ROOT
  cat <<EOF
</div>
<footer class="footer">
<p>This catalogue is fictitious. Prices and ratings are made up. <a href="${1}index.html#top">Back to top</a></p>
</footer>
</body>
</html>
EOF
}

# pod ROOT_TO_CATALOGUE n  -- one book in a listing
pod() {
  local cr=$1 n=$2 slug title t
  slug=$(book_slug "$n"); title=$(book_title "$n"); t=$(html_escape "$title")
  local imgfrag=""
  (( n % 10 == 0 )) && imgfrag="#product_gallery"
  cat <<EOF
<li class="col">
<article class="product_pod">
<div class="image_container"><a href="${cr}${slug}/index.html${imgfrag}"><img src="${cr}../media/${n}.jpg" alt="${t}" class="thumbnail"></a></div>
<p class="star-rating $(book_rating "$n")"></p>
<h3><a href="${cr}${slug}/index.html" title="${t}">${t}</a></h3>
<div class="product_price">
<p class="price_color">£$(book_price "$n")</p>
<p class="instock availability">In stock</p>
</div>
</article>
</li>
EOF
}

# pager PREV_HREF NEXT_HREF PAGE PAGES
pager() {
  printf '<ul class="pager">\n'
  [[ -n $1 ]] && printf '<li class="previous"><a href="%s">previous</a></li>\n' "$1"
  printf '<li class="current">Page %d of %d</li>\n' "$3" "$4"
  [[ -n $2 ]] && printf '<li class="next"><a href="%s">next</a></li>\n' "$2"
  printf '</ul>\n'
}

# listing FILE ROOT CATROOT HEADING DESC CURCAT PAGE PAGES PREV NEXT EXTRA_TOP EXTRA_BOTTOM BOOKS...
listing() {
  local file=$1 root=$2 cr=$3 heading=$4 desc=$5 cur=$6 page=$7 pages=$8 prev=$9 next=${10}
  local top=${11} bottom=${12}
  shift 12
  local title=$heading
  (( page > 1 )) && title="$heading - Page $page"
  [[ -n ${TITLE_OVERRIDE_NEXT:-} ]] && title=$TITLE_OVERRIDE_NEXT
  {
    page_head "$root" "$title" "$desc"
    nav "$root" "$cur"
    printf '<main id="content">\n<ul class="breadcrumb">\n<li><a href="%sindex.html">Home</a></li>\n' "$root"
    if (( cur >= 0 )); then
      printf '<li><a href="%scatalogue/page-1.html">Books</a></li>\n' "$root"
    fi
    printf '<li class="active">%s</li>\n</ul>\n' "$(html_escape "$heading")"
    printf '<div class="page-header"><h1>%s</h1></div>\n' "$(html_escape "$heading")"
    printf '%s' "$top"
    printf '<form class="form-horizontal"><strong>%d</strong> results - showing page %d of %d.</form>\n' \
      "$total_results" "$page" "$pages"
    printf '<ol class="row">\n'
    local n
    for n in "$@"; do pod "$cr" "$n"; done
    printf '</ol>\n'
    pager "$prev" "$next" "$page" "$pages"
    printf '%s' "$bottom"
    printf '</main>\n'
    page_foot "$root"
  } >"$file"
}

description_text() {  # n -> three deterministic sentences
  local n=$1 title cname
  title=$(book_title "$n"); cname=$(cat_name "${BOOK_CAT[n]}")
  local bank=(
    "A quiet story of loss and return, told across three generations."
    "Every chapter opens a door onto an unexpected place."
    "The characters discover what they have been carrying all along."
    "Written with wit and patience, it rewards a slow reading."
    "Letters, journeys and small kindnesses hold the plot together."
    "Readers have called it impossible to put down."
    "The author's first book in over a decade."
    "Includes a new afterword and notes on the text."
    "A storm, a missing map and a promise nobody meant to keep."
    "Short chapters make it ideal for a commute."
    "Part memoir, part field guide, wholly original."
  )
  local a=$(( n % 11 )) b=$(( (n * 3 + 1) % 11 ))
  (( b == a )) && b=$(( (a + 5) % 11 ))
  printf '%s, filed under %s. %s %s' "$title" "$cname" "${bank[a]}" "${bank[b]}"
}

# ---------------------------------------------------------------- product pages
product_page() {
  local n=$1 slug title t c cslug cname price rating stock desc
  slug=$(book_slug "$n"); title=$(book_title "$n"); t=$(html_escape "$title")
  c=${BOOK_CAT[n]}; cslug=$(cat_slug "$c"); cname=$(cat_name "$c")
  price=$(book_price "$n"); rating=$(book_rating "$n"); stock=$(book_stock "$n")
  desc=$(description_text "$n")
  local upc; upc=$(printf '%08x%08x' $(( (n * 2654435761) % 4294967296 )) $(( (n * 40503 + 977) % 4294967296 )))
  local root="../../" cat_href="../category/${cslug}/page-1.html" img="../../media/${n}.jpg" extra=""
  if (( n == BASE_HREF_BOOK )); then
    # Quirk: every relative URL on this page resolves against /catalogue/, not the page.
    root="../"; cat_href="category/${cslug}/page-1.html"; img="../media/${n}.jpg"
    extra='<base href="/catalogue/">'$'\n'
  elif (( n % 50 == 0 )); then
    # Quirk: redundant dot segments and a fragment in the category link.
    cat_href="../category/${cslug}/../${cslug}/./page-1.html#content"
  fi
  local ntags=$(( 1 + n % 3 )) k tags="" tag_href="#tags"
  # On the <base href> page a bare "#tags" would resolve to /catalogue/#tags.
  (( n == BASE_HREF_BOOK )) && tag_href="${slug}/index.html#tags"
  for (( k = 0; k < ntags; k++ )); do
    tags+="<li><a class=\"tag\" href=\"${tag_href}\">${TAGS[$(( (n + k * 5) % ${#TAGS[@]} ))]}</a></li>"$'\n'
  done
  local reviews=$(( (n * 11) % 7 ))
  {
    page_head "$root" "$title" "$desc" "$extra"
    nav "$root" "$c"
    cat <<EOF
<main id="content">
<ul class="breadcrumb">
<li><a href="${root}index.html">Home</a></li>
<li><a href="${root}catalogue/page-1.html">Books</a></li>
<li><a href="${cat_href}">${cname}</a></li>
<li class="active">${t}</li>
</ul>
<article class="product_page">
<div class="row">
<div class="col-sm-6">
<div id="product_gallery"><img src="${img}" alt="${t}"></div>
</div>
<div class="col-sm-6 product_main">
<h1>${t}</h1>
<p class="price_color">£${price}</p>
<p class="instock availability"><i class="icon-ok"></i>
    In stock (${stock} available)
</p>
<p class="star-rating ${rating}">
<i class="icon-star"></i><i class="icon-star"></i><i class="icon-star"></i><i class="icon-star"></i><i class="icon-star"></i>
</p>
</div>
</div>
<div id="product_description" class="sub-header"><h2>Product Description</h2></div>
<p>${desc}</p>
<div id="tags" class="sub-header"><h2>Tags</h2></div>
<ul class="tags">
${tags}</ul>
<div class="sub-header"><h2>Product Information</h2></div>
<table class="table table-striped">
<tr><th>UPC</th><td>${upc}</td></tr>
<tr><th>Product Type</th><td>Books</td></tr>
<tr><th>Price (excl. tax)</th><td>£${price}</td></tr>
<tr><th>Price (incl. tax)</th><td>£${price}</td></tr>
<tr><th>Tax</th><td>£0.00</td></tr>
<tr><th>Availability</th><td>In stock (${stock} available)</td></tr>
<tr><th>Number of reviews</th><td>${reviews}</td></tr>
</table>
</article>
</main>
EOF
    page_foot "$root"
  } >"$out/catalogue/$slug/index.html"
}

# ---------------------------------------------------------------- main
# Only remove what this script generates.
[[ -d $out ]] && rm -rf "$out/catalogue" "$out/private" "$out/static" "$out/index.html" \
  "$out/robots.txt" "$out/sitemap.xml" "$out/catalogue.csv"
mkdir -p "$out/catalogue/category" "$out/private" "$out/static"

assign_categories

for (( n = 1; n <= NBOOKS; n++ )); do
  mkdir -p "$out/catalogue/$(book_slug "$n")"
  product_page "$n"
done

# All-books listing: catalogue/page-N.html (and index.html = page 1 seen from the root).
total_results=$NBOOKS
pages=$(( (NBOOKS + PER_PAGE - 1) / PER_PAGE ))
for (( p = 1; p <= pages; p++ )); do
  books=()
  for (( n = (p - 1) * PER_PAGE + 1; n <= p * PER_PAGE && n <= NBOOKS; n++ )); do books+=("$n"); done
  prev=""; next=""
  (( p > 1 )) && prev="page-$(( p - 1 )).html"
  (( p < pages )) && next="page-$(( p + 1 )).html"
  listing "$out/catalogue/page-$p.html" "../" "" "All products" \
    "Every book in the $SITE demo catalogue, page $p of $pages." -1 "$p" "$pages" \
    "$prev" "$next" "" "" "${books[@]}"
done

# Category listings: catalogue/category/<slug>/page-N.html
for (( c = 0; c < NCATS; c++ )); do
  cslug=$(cat_slug $c); cname=$(cat_name $c)
  read -r -a cbooks <<<"${CAT_BOOKS[c]}"
  total_results=${#cbooks[@]}
  cpages=$(( (total_results + PER_PAGE - 1) / PER_PAGE ))
  mkdir -p "$out/catalogue/category/$cslug"
  for (( p = 1; p <= cpages; p++ )); do
    prev=""; next=""
    (( p > 1 )) && prev="page-$(( p - 1 )).html"
    (( p < cpages )) && next="page-$(( p + 1 )).html"
    listing "$out/catalogue/category/$cslug/page-$p.html" "../../../" "../../" "$cname" \
      "$cname books in the $SITE demo catalogue, page $p of $cpages." "$c" "$p" "$cpages" \
      "$prev" "$next" "" "" "${cbooks[@]:$(( (p - 1) * PER_PAGE )):$PER_PAGE}"
  done
done

# Home page: the first 20 books, plus the site-wide quirks in its extra blocks.
total_results=$NBOOKS
home_top='<div class="alert alert-warning" role="alert"><strong>Warning!</strong> This is a demo website for web scraping purposes. Prices and ratings here were randomly assigned and have no real meaning.</div>
<p class="downloads">Download the whole <a href="catalogue.csv">catalogue as CSV</a>.</p>
'
home_bottom='<section class="more">
<h2>More</h2>
<ul class="links">
<li><a href="private/">Staff area</a></li>
<li><a href="private/staff-picks.html">Staff picks</a></li>
<li><a href="catalogue/out-of-print.html">Out-of-print titles</a></li>
<li><a href="http://example.com/">Our publisher (external site)</a></li>
<li><a href="mailto:books@example.com">Write to us</a></li>
</ul>
</section>
'
home_books=()
for (( n = 1; n <= PER_PAGE; n++ )); do home_books+=("$n"); done
TITLE_OVERRIDE_NEXT="Home"
listing "$out/index.html" "" "catalogue/" "All products" \
  "$SITE: a small fictitious book catalogue bundled with the forager crawler for demos and tests." \
  -1 1 "$pages" "" "catalogue/page-2.html" "$home_top" "$home_bottom" "${home_books[@]}"
TITLE_OVERRIDE_NEXT=""

# Private area (disallowed by robots.txt, but linked from index.html).
private_page() {  # FILE ROOT TITLE BODY
  {
    page_head "$2" "$3" "Staff-only pages of the $SITE demo catalogue."
    nav "$2"
    printf '<main id="content">\n<h1>%s</h1>\n%s</main>\n' "$3" "$4"
    page_foot "$2"
  } >"$1"
}
private_page "$out/private/index.html" "../" "Staff area" \
  '<p>Stock-taking notes. Crawlers that obey robots.txt never see this page.</p>
<p><a href="staff-picks.html">Staff picks</a></p>
'
private_page "$out/private/staff-picks.html" "../" "Staff picks" \
  "<p>This month we recommend <a href=\"../catalogue/$(book_slug 42)/index.html\">Les Misérables</a>.</p>
"

# Stylesheet (not a link target; referenced by <link rel=stylesheet>).
cat >"$out/static/site.css" <<'EOF'
body { font-family: sans-serif; margin: 0; color: #222; }
.page_header { background: #5a3e2b; color: #fff; padding: .8em 1.5em; }
.page_header a { color: #fff; font-weight: bold; text-decoration: none; }
.page { display: flex; gap: 2em; padding: 1em 1.5em; }
.sidebar { min-width: 12em; }
.nav { list-style: none; padding: 0; }
.nav li.active a { font-weight: bold; }
.breadcrumb li, .pager li, .tags li { display: inline; margin-right: .6em; }
ol.row { list-style: none; display: flex; flex-wrap: wrap; gap: 1em; padding: 0; }
.product_pod { width: 11em; }
.price_color { color: #2a7a2a; font-weight: bold; }
.footer { border-top: 1px solid #ccc; padding: .5em 1.5em; font-size: small; }
EOF

# CSV of the whole catalogue (non-HTML resource linked from index.html).
{
  printf 'number,title,category,price_gbp,rating,stock,url\n'
  for (( n = 1; n <= NBOOKS; n++ )); do
    title=$(book_title "$n"); title=${title//\"/\"\"}
    printf '%d,"%s",%s,%s,%s,%s,/catalogue/%s/index.html\n' "$n" "$title" \
      "$(cat_name "${BOOK_CAT[n]}")" "$(book_price "$n")" "$(book_rating "$n")" \
      "$(book_stock "$n")" "$(book_slug "$n")"
  done
} >"$out/catalogue.csv"

cat >"$out/robots.txt" <<EOF
# robots.txt for the $SITE demo catalogue
User-agent: *
Disallow: /private/

Sitemap: $DEMO_BASE/sitemap.xml
EOF

# sitemap.xml (URLs use the demo's fixed port 8765; not linked from any page).
{
  printf '<?xml version="1.0" encoding="UTF-8"?>\n'
  printf '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
  shopt -s globstar
  for f in "$out"/**/*.html; do
    f=${f#"$out"/}
    [[ $f == private/* ]] && continue
    printf '<url><loc>%s/%s</loc></url>\n' "$DEMO_BASE" "$f"
  done
  printf '</urlset>\n'
} >"$out/sitemap.xml"

shopt -s globstar
all=("$out"/**/*.html)
echo "generated ${#all[@]} HTML pages in $out"
