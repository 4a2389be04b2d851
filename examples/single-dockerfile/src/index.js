const express = require("express");

const app = express();
const port = process.env.PORT || 8080;

app.get("/", (req, res) => {
  res.json({ message: "Hello from Fargate" });
});

app.listen(port, () => {
  console.log(`hello-api listening on port ${port}`);
});
