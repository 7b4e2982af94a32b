// options.h — the Table 4 baselines and every one of their settings, with the defaults of the GNE authors'
// protocol (d = 128) and of each method's own paper/code; read from a YAML mapping with errors naming the key.
#pragma once
#include <cstdint>
#include <string>

#include "engine/core/yaml_reader.h"

namespace gener::embed {

enum class Method { Isomap, Line, Node2vec, Gne, GneTopology };

// "isomap" | "line" | "node2vec" | "gne" | "gne-topology"; anything else is an error naming the value and the
// accepted names (`where` says who asked: a flag or a YAML key).
Method parse_method(const std::string& name, const std::string& where);
std::string method_name(Method m);
// The row of the paper's Table 4: "Isomap", "LINE+", "node2vec", "GNE (topology)", "GNE".
std::string method_label(Method m, bool with_expression);
// Whether a method needs the expression matrix by itself (GNE with alpha > 0); "+" variants need it too.
bool method_uses_expression(Method m);

enum class EigenSolver { Auto, Dense, Lanczos };

// Isomap of the adjacency rows (scikit-learn's Isomap defaults: 5 neighbours, classical MDS of the geodesics).
struct IsomapOptions {
  int dim = 128;
  int n_neighbors = 5;
  EigenSolver eigen_solver = EigenSolver::Auto;  // auto: dense (Eigen) up to 1,500 genes, else Lanczos (Spectra)
};

// LINE (Tang et al. 2015, and its reference code): first- and second-order proximity, dim / 2 each, concatenated.
struct LineOptions {
  int dim = 128;                  // total; each order gets dim / 2 (dim must be even)
  int negatives = 5;              // K
  double samples_millions = 5;    // edge samples per order (the code's -samples, in millions); more overfits the
                                  // training edges (validation AUROC on BioGRID 3.1.72: 0.84 at 5, 0.76 at 25-100)
  double learning_rate = 0.025;   // rho_0, decayed linearly to rho_0 * 1e-4
  bool normalize = true;          // L2-normalise each order's vectors before concatenation, as the paper does
};

// node2vec (Grover & Leskovec 2016, reference code defaults) with word2vec's skip-gram (gensim's defaults).
struct Node2vecOptions {
  int dim = 128;
  int walk_length = 80;
  int walks_per_node = 10;
  double p = 1.0, q = 1.0;        // return and in-out parameters
  int window = 10;
  int epochs = 1;
  int negatives = 5;
  double learning_rate = 0.025, min_learning_rate = 0.0001;
  double subsample = 1e-3;        // word2vec's down-sampling of frequent nodes (0 = off)
};

// GNE (KC et al. 2019, kckishan/GNE run_GNE.py): id embedding + alpha * expression embedding, dropout, tanh.
struct GneOptions {
  int id_dim = 128, attr_dim = 128;
  int dim = 128;                  // representation size = the embedding's dimension
  double alpha = 1.0;             // "gne"; "gne-topology" is alpha = 0 whatever this says
  int negatives = 10;             // sampled-softmax candidates per batch
  int epochs = 20;
  int batch = 256;
  double learning_rate = 0.005;   // Adam, beta 0.9 / 0.999, eps 1e-8
  double dropout = 0.5;           // on the concatenated layer (keep_prob 0.5)
  int patience = 2;               // stop when validation AUROC has not improved for more than this many epochs
};

// L2-regularised logistic regression on edge features (scikit-learn LogisticRegression: C = 1, lbfgs).
struct LogisticOptions {
  double C = 1.0;
  int max_iter = 100;
  double tol = 1e-4;
};

struct EmbedOptions {
  uint64_t seed = 1;
  std::string expression_normalize = "zscore";  // zscore (per gene, as GNE's scale()) | none; "+" and GNE
  IsomapOptions isomap;
  LineOptions line;
  Node2vecOptions node2vec;
  GneOptions gne;
  LogisticOptions logistic;
};

// Keys of the mapping (all optional; unknown keys are errors):
//   seed, expression_normalize,
//   isomap:   {dim, n_neighbors, eigen_solver: auto | dense | lanczos}
//   line:     {dim, negatives, samples_millions, learning_rate, normalize}
//   node2vec: {dim, walk_length, walks_per_node, p, q, window, epochs, negatives, learning_rate,
//              min_learning_rate, subsample}
//   gne:      {id_dim, attr_dim, dim, alpha, negatives, epochs, batch, learning_rate, dropout, patience}
//   logistic: {C, max_iter, tol}
// Values are validated (dim > 0, p, q > 0, ...), the error naming the key path and the value. Keys absent from
// the mapping keep their value in `base`.
EmbedOptions read_embed_options(const core::YamlReader& r, const EmbedOptions& base = EmbedOptions{});
// A file whose top-level `baselines:` mapping holds the keys above.
EmbedOptions load_embed_options(const std::string& path);

// Checks every value; `where` prefixes the messages (a file or "options"). read_embed_options calls it.
void validate_embed_options(const EmbedOptions& o, const std::string& where);

}  // namespace gener::embed
