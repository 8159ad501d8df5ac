# The addon is built with cmake-js from CMakeLists.txt (the one build truth).
# This file exists so tools that look for binding.gyp know this is a native addon;
# package.json has its own "install" script, so npm never runs node-gyp on it.
{ "targets": [] }
