// baseline.cpp — run_baseline: graph, embedding, link prediction, metrics; and the files of one run.
#include "engine/embed/baseline.h"

#include <chrono>
#include <cstdio>

#include "engine/embed/gne.h"
#include "engine/embed/isomap.h"
#include "engine/embed/line.h"
#include "engine/embed/link_prediction.h"
#include "engine/embed/node2vec.h"
#include "engine/io/atomic_file.h"
#include "engine/metrics/metrics.h"
#include "kernels/check.h"

namespace gener::embed {
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

nlohmann::json split_metrics(const std::vector<float>& scores, const data::PairSet& p, const std::string& name,
                             bool required) {
  const size_t pos = p.n_positive();
  const bool ok = p.labelled() && pos > 0 && pos < p.size();
  if (!ok) {
    GENER_CHECK(!required, "baseline: the " << name << " split needs labelled pairs of both classes (" << pos << " of "
                                            << p.size() << " labelled 1)");
    return nullptr;
  }
  std::vector<int> labels(p.label.begin(), p.label.end());
  return metrics::metrics_to_json(metrics::compute_metrics(scores, labels));
}

nlohmann::json method_options(const BaselineSpec& s, const EmbedOptions& o) {
  switch (s.method) {
    case Method::Isomap:
      return {{"dim", o.isomap.dim}, {"n_neighbors", o.isomap.n_neighbors}};
    case Method::Line:
      return {{"dim", o.line.dim}, {"negatives", o.line.negatives}, {"samples_millions", o.line.samples_millions},
              {"learning_rate", o.line.learning_rate}, {"normalize", o.line.normalize}};
    case Method::Node2vec: {
      const Node2vecOptions& n = o.node2vec;
      return {{"dim", n.dim}, {"walk_length", n.walk_length}, {"walks_per_node", n.walks_per_node}, {"p", n.p},
              {"q", n.q}, {"window", n.window}, {"epochs", n.epochs}, {"negatives", n.negatives},
              {"learning_rate", n.learning_rate}, {"min_learning_rate", n.min_learning_rate},
              {"subsample", n.subsample}};
    }
    case Method::Gne:
    case Method::GneTopology: {
      const GneOptions& g = o.gne;
      return {{"id_dim", g.id_dim}, {"attr_dim", g.attr_dim}, {"dim", g.dim},
              {"alpha", s.method == Method::GneTopology ? 0.0 : g.alpha}, {"negatives", g.negatives},
              {"epochs", g.epochs}, {"batch", g.batch}, {"learning_rate", g.learning_rate}, {"dropout", g.dropout},
              {"patience", g.patience}};
    }
  }
  return nullptr;
}

void write_scores(const std::string& path, const std::vector<float>& s, const data::PairSet& p,
                  const data::Expression& expr, io::CommitGroup* group) {
  io::ensure_parent_dir(path);
  io::AtomicFile f(path, false, group);
  f.stream() << "gene_a\tgene_b\tlabel\tscore\n";
  char buf[32];
  for (size_t i = 0; i < p.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(s[i]));
    f.stream() << expr.genes[p.ab[2 * i]] << '\t' << expr.genes[p.ab[2 * i + 1]] << '\t' << static_cast<int>(p.label[i])
               << '\t' << buf << '\n';
  }
  f.commit();
}

}  // namespace

BaselineSpec parse_baseline_spec(const std::string& name, const std::string& where) {
  const bool plus = !name.empty() && name.back() == '+';
  const Method m = parse_method(plus ? name.substr(0, name.size() - 1) : name, where);
  GENER_CHECK(!plus || (m != Method::Gne && m != Method::GneTopology),
              where << ": '" << name << "': the \"+\" variants are isomap+, line+ and node2vec+");
  return {m, plus};
}

std::string baseline_spec_name(const BaselineSpec& s) { return method_name(s.method) + (s.with_expression ? "+" : ""); }

std::vector<BaselineSpec> table4_baselines() {
  return {{Method::Gne, false},      {Method::GneTopology, false}, {Method::Node2vec, true}, {Method::Line, true},
          {Method::Isomap, true},    {Method::Node2vec, false},    {Method::Line, false},    {Method::Isomap, false}};
}

data::TrainingGraph baseline_training_graph(const data::DatasetCache& ds) {
  return data::build_training_graph(ds.splits.train, ds.expr.n_genes());
}

BaselineResult run_baseline(const BaselineSpec& spec, const EmbedOptions& o, const data::DatasetCache& ds,
                            bool progress) {
  validate_embed_options(o, "baseline options");
  const bool is_gne = spec.method == Method::Gne || spec.method == Method::GneTopology;
  GENER_CHECK(!(spec.with_expression && is_gne), "baseline: --with-expression (the \"+\" variants) applies to isomap, "
                                                 "line and node2vec; " << method_name(spec.method)
                                                                       << " takes expression through gne.alpha");
  const bool needs_expr = spec.with_expression || (spec.method == Method::Gne && o.gne.alpha > 0);
  GENER_CHECK(!needs_expr || (ds.expr.L > 0 && ds.expr.values.size() == static_cast<size_t>(ds.expr.n_genes()) * ds.expr.L),
              "baseline: " << method_label(spec.method, spec.with_expression) << " needs the genes' expression "
                           << "vectors, but the dataset has " << ds.expr.L << " values per gene");
  const auto t0 = Clock::now();
  const data::TrainingGraph g = baseline_training_graph(ds);
  GENER_CHECK(g.n_edges() > 0, "baseline: the training graph is empty (" << ds.splits.train.size() << " training pairs, "
                                                                        << ds.splits.train.n_positive()
                                                                        << " positive): nothing to embed");
  int isolated = 0;
  for (int v = 0; v < g.n_nodes; ++v) isolated += g.degree(v) == 0;
  BaselineResult r;
  r.spec = spec;
  r.label = method_label(spec.method, spec.with_expression);
  if (progress)
    std::fprintf(stderr, "[baseline] %s: training graph of %d genes, %zu edges (%d isolated)\n", r.label.c_str(),
                 g.n_nodes, g.n_edges(), isolated);
  Embedding expr;
  if (needs_expr) expr = expression_features(ds.expr, o.expression_normalize);
  switch (spec.method) {
    case Method::Isomap: r.embedding = isomap_embed(g, o.isomap); break;
    case Method::Line: r.embedding = line_embed(g, o.line, o.seed, 0); break;
    case Method::Node2vec: r.embedding = node2vec_embed(g, o.node2vec, o.seed, 0); break;
    case Method::Gne: r.embedding = gne_embed(g, &expr, ds.splits.val, o.gne, o.gne.alpha, o.seed, nullptr, progress); break;
    case Method::GneTopology: r.embedding = gne_embed(g, nullptr, ds.splits.val, o.gne, 0.0, o.seed, nullptr, progress);
      break;
  }
  const double t_embed = since(t0);
  if (progress) std::fprintf(stderr, "[baseline] %s: embedding (%d dims) in %.1f s\n", r.label.c_str(), r.embedding.dim, t_embed);
  const auto t1 = Clock::now();
  const Embedding features = spec.with_expression ? concat_columns(r.embedding, expr) : Embedding();
  LinkPrediction lp = predict_links(spec.with_expression ? features : r.embedding, ds.splits, o.logistic);
  const double t_clf = since(t1);
  if (progress)
    std::fprintf(stderr, "[baseline] %s: logistic regression (%d features, %d iterations) in %.1f s\n", r.label.c_str(),
                 spec.with_expression ? features.dim : r.embedding.dim, lp.model.iterations, t_clf);
  r.val_scores = std::move(lp.val_scores);
  r.test_scores = std::move(lp.test_scores);
  nlohmann::json m = split_metrics(r.test_scores, ds.splits.test, "test", true);
  m["validation"] = split_metrics(r.val_scores, ds.splits.val, "validation", false);
  m["method"] = method_name(spec.method);
  m["label"] = r.label;
  m["with_expression"] = spec.with_expression;
  m["dim"] = r.embedding.dim;
  m["features"] = spec.with_expression ? "hadamard(embedding " + std::to_string(r.embedding.dim) + " + " +
                                             o.expression_normalize + " expression " + std::to_string(expr.dim) + ")"
                                       : "hadamard(embedding " + std::to_string(r.embedding.dim) + ")";
  m["options"] = method_options(spec, o);
  m["seed"] = o.seed;
  m["logistic"] = {{"C", o.logistic.C}, {"iterations", lp.model.iterations}, {"evaluations", lp.model.evaluations},
                   {"converged", lp.model.converged}, {"objective", lp.model.objective}};
  m["training_graph"] = {{"genes", g.n_nodes}, {"edges", g.n_edges()}, {"isolated", isolated}};
  m["timing_s"] = {{"embedding", t_embed}, {"classifier", t_clf}, {"total", since(t0)}};
  r.metrics = std::move(m);
  return r;
}

void write_baseline_outputs(const BaselineResult& r, const data::DatasetCache& ds, const std::string& dir,
                            io::CommitGroup* group) {
  write_embedding_tsv(dir + "/embeddings.tsv", r.embedding, ds.expr.genes, group);
  write_scores(dir + "/test_scores.tsv", r.test_scores, ds.splits.test, ds.expr, group);
  if (!r.val_scores.empty()) write_scores(dir + "/val_scores.tsv", r.val_scores, ds.splits.val, ds.expr, group);
  io::AtomicFile f(dir + "/metrics.json", false, group);
  f.stream() << r.metrics.dump(2) << '\n';
  f.commit();
}

}  // namespace gener::embed
