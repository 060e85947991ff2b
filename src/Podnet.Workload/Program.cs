// Entry point: filled in by the component that owns this project.
return 0;
