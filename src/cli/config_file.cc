#include "cli/config_file.h"

#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>

namespace medscrape {
namespace {

// The value of --config among `args`, "" if none.
std::string ConfigPath(const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config" && i + 1 < args.size()) return args[i + 1];
    if (args[i].rfind("--config=", 0) == 0) return args[i].substr(9);
  }
  return "";
}

bool GivenOnCommandLine(const std::vector<std::string>& args, const std::string& option) {
  return std::any_of(args.begin(), args.end(), [&](const std::string& arg) {
    return arg == option || arg.rfind(option + "=", 0) == 0;
  });
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

Status KeyError(const std::string& path, const YAML::Node& node, const std::string& key,
                const std::string& what) {
  return Status::Error(path + ":" + std::to_string(node.Mark().line + 1) + ": " + key + ": " +
                       what);
}

// The scalar values of `value` (one, or a list's) as command-line text.
Result<std::vector<std::string>> Values(const std::string& path, const std::string& key,
                                        const YAML::Node& value, bool many) {
  std::vector<std::string> values;
  if (value.IsScalar()) {
    values.push_back(value.Scalar());
  } else if (value.IsSequence()) {
    if (!many) return KeyError(path, value, key, "takes one value, not a list");
    for (const YAML::Node& item : value) {
      if (!item.IsScalar()) return KeyError(path, item, key, "list items must be plain values");
      values.push_back(item.Scalar());
    }
  } else {
    return KeyError(path, value, key, "must be a value or a list of values, not a mapping");
  }
  return values;
}

}  // namespace

Result<std::vector<std::string>> ExpandConfigFile(const std::vector<std::string>& args,
                                                  CLI::App& app) {
  const std::string path = ConfigPath(args);
  if (path.empty() || args.empty()) return args;
  CLI::App* command = nullptr;
  for (CLI::App* sub : app.get_subcommands({})) {
    if (sub->get_name() == args[0]) command = sub;
  }
  if (command == nullptr) return args;
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return Status::Error("cannot read config file " + path);
  } catch (const YAML::Exception& e) {
    return Status::Error(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                         std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  if (root.IsNull()) return args;
  if (!root.IsMap()) return Status::Error(path + ": a config file is a mapping of option: value");
  std::vector<std::string> options, positionals;
  for (const auto& entry : root) {
    const std::string key = entry.first.as<std::string>();
    const YAML::Node& value = entry.second;
    CLI::Option* positional = nullptr;
    for (CLI::Option* option : command->get_options()) {
      if (!option->nonpositional() && Lower(option->get_name()) == key) positional = option;
    }
    if (positional != nullptr) {
      Result<std::vector<std::string>> values = Values(path, key, value, true);
      if (!values.ok()) return values.status();
      for (const std::string& v : values.value()) positionals.push_back(v);
      continue;
    }
    const std::string name = "--" + key;
    const CLI::Option* option = key == "config" ? nullptr : command->get_option_no_throw(name);
    if (option == nullptr) {
      return KeyError(
          path, entry.first, key,
          "unknown key (keys are the long options of 'medscrape " + command->get_name() + "')");
    }
    if (GivenOnCommandLine(args, name)) continue;  // The command line wins.
    if (option->get_expected_max() == 0) {         // A flag: true or false.
      bool on = false;
      if (!value.IsScalar() || !YAML::convert<bool>::decode(value, on)) {
        return KeyError(path, value, key, "is a flag: true or false");
      }
      if (on) options.push_back(name);
      continue;
    }
    const bool many = option->get_multi_option_policy() == CLI::MultiOptionPolicy::TakeAll;
    Result<std::vector<std::string>> values = Values(path, key, value, many);
    if (!values.ok()) return values.status();
    for (const std::string& v : values.value()) {
      options.push_back(name);
      options.push_back(v);
    }
  }
  std::vector<std::string> expanded = {args[0]};
  expanded.insert(expanded.end(), options.begin(), options.end());
  expanded.insert(expanded.end(), args.begin() + 1, args.end());
  expanded.insert(expanded.end(), positionals.begin(), positionals.end());
  return expanded;
}

}  // namespace medscrape
