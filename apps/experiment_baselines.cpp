// experiment_baselines.cpp — planning, running and tabulating the Table 4 embedding baselines of an experiment.
#include "apps/experiment_baselines.h"

#include <cstdio>

#include "apps/app_common.h"
#include "apps/experiment_common.h"
#include "engine/eval/beside.h"
#include "engine/metrics/curves.h"
#include "kernels/check.h"

namespace gener::app {

std::vector<PlannedBaseline> plan_baselines(const core::ExperimentConfig& cfg) {
  embed::EmbedOptions base;
  if (!cfg.baseline_settings_file.empty()) base = embed::load_embed_options(cfg.baseline_settings_file);
  if (cfg.baseline_settings.IsMap())
    base = embed::read_embed_options(core::YamlReader(cfg.baseline_settings, cfg.file, "experiment.baseline_settings"));
  std::vector<PlannedBaseline> out;
  for (const core::ExperimentBaseline& b : cfg.baselines) {
    const std::string where = cfg.file + ": key '" + b.path + "'";
    std::vector<embed::BaselineSpec> specs;
    if (b.name == "table4") {  // in the order of the paper's rows: Isomap, LINE, node2vec, the "+" rows, GNE
      for (const PaperRow& row : paper_rows(4))
        for (const embed::BaselineSpec& s : embed::table4_baselines())
          if (embed::method_label(s.method, s.with_expression) == row.method) specs.push_back(s);
    } else {
      specs.push_back(embed::parse_baseline_spec(b.name, where));
    }
    embed::EmbedOptions o = base;
    std::string label;
    if (b.settings.IsMap()) {
      core::YamlReader r(b.settings, cfg.file, b.path);
      r.get_string("method");
      label = r.get_string("label", "");
      GENER_CHECK(label.empty() || specs.size() == 1,
                  cfg.file << ": key '" << r.key_path("label") << "': 'table4' is eight rows; a label names one");
      o = embed::read_embed_options(r, base);
    }
    for (const embed::BaselineSpec& s : specs) {
      PlannedBaseline p{s, o, label.empty() ? embed::method_label(s.method, s.with_expression) : label};
      for (const core::ExperimentModel& m : cfg.models)
        GENER_CHECK(m.label != p.label, where << ": row '" << p.label << "' is also a model's label");
      for (const PlannedBaseline& q : out)
        GENER_CHECK(q.label != p.label, where << ": row '" << p.label << "' is listed twice");
      out.push_back(p);
    }
  }
  return out;
}

std::string baseline_dir_name(const PlannedBaseline& b) {
  if (b.label != embed::method_label(b.spec.method, b.spec.with_expression)) return slug(b.label);
  return embed::method_name(b.spec.method) + (b.spec.with_expression ? "_plus" : "");
}

nlohmann::json run_planned_baseline(const PlannedBaseline& b, const data::DatasetCache& ds,
                                    const eval::GeneTraining& training, const std::string& origin,
                                    const std::string& dir, bool progress, io::CommitGroup* group) {
  embed::BaselineResult r = embed::run_baseline(b.spec, b.options, ds, progress);
  const eval::Beside be = eval::evaluate_beside({{b.label, r.test_scores}}, ds.expr, ds.splits.test, &training, origin);
  const eval::MethodResult& mine = be.methods.front();
  nlohmann::json j = mine.json;
  j["model"] = b.label;
  j["baseline"] = embed::baseline_spec_name(b.spec);
  for (const char* k : {"validation", "dim", "features", "options", "seed", "logistic", "training_graph", "timing_s"})
    j[k] = r.metrics[k];
  j["pairs_file"] = origin;
  r.metrics = j;
  embed::write_baseline_outputs(r, ds, dir, group);
  metrics::write_metric_curves(dir + "/", mine.metrics, &be.find(eval::kCorrelation)->metrics, group);
  return j;
}

nlohmann::json table4_json(const std::vector<MeasuredRow>& rows) {
  nlohmann::json t = nlohmann::json::array();
  for (const PaperRow& p : paper_rows(4)) {
    nlohmann::json e = {{"method", p.method}, {"paper", {{"auroc", p.auroc}, {"aupr", p.aupr}}}, {"measured", nullptr}};
    for (const MeasuredRow& r : rows) {
      if (r.method != p.method || !r.metrics.is_object()) continue;
      nlohmann::json m;
      for (const char* k :
           {"auroc_micro", "aupr_micro", "auroc", "aupr", "mcc", "strata", "strata_positive", "timing_s"})
        if (r.metrics.contains(k)) m[k] = r.metrics[k];
      e["measured"] = m;
    }
    t.push_back(e);
  }
  return t;
}

}  // namespace gener::app
