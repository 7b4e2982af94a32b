// config_paths.h — where gener finds its default configs: beside the installed binary (P/bin/gener reads
// P/share/gener/configs), else in the source tree of a build that was never installed.
#pragma once
#include <string>

namespace gener::app {

// The configs directory (holds model/, train/, experiments/).
std::string config_dir();
// config_dir() + "/" + relative, e.g. default_config("model/paper.yaml").
std::string default_config(const std::string& relative);

}  // namespace gener::app
